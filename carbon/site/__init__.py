"""The site stage: the validated site model and its loading.

Each name lives in the module of its concern (import it from there inside the
package): :mod:`carbon.site.model` (:class:`SiteConfig`), :mod:`carbon.site.meters`,
:mod:`carbon.site.activity`, :mod:`carbon.site.operating`, :mod:`carbon.site.register`,
:mod:`carbon.site.load` (:func:`load_site`, :func:`site_from_dict`) and
:mod:`carbon.site.activity_file`. Contractual instruments are read by
:mod:`carbon.site.instruments`.
"""

from carbon.site.activity import ActivityPeriod, HeatReusePeriod, MinerGroup, WaterPeriod
from carbon.site.activity_file import ACTIVITY_COLUMNS, activity_input_record, read_activity_csv
from carbon.site.load import format_validation_error, load_site, site_from_dict, with_activity_file
from carbon.site.meters import (
    WORKLOADS,
    GridSource,
    MarginalRateSource,
    Meter,
    Workload,
    WorkloadSpan,
)
from carbon.site.model import QualitySettings, Reporting, SignOff, SiteConfig, SiteInfo
from carbon.site.operating import (
    OPERATING_KEYS,
    CapacityRecord,
    DemandResponseEvent,
    EnergyCostPeriod,
    GridCarbonFreePeriod,
    HallCooling,
    PipelineEntry,
)
from carbon.site.register import (
    DISCLOSURE_REGISTER_KEYS,
    Assurance,
    Boundary,
    BoundarySite,
    FiscalYear,
    HostedClient,
    NetworkReference,
    OffsetCredit,
    PowerContract,
    RetiredHardware,
)
from carbon.site.targets import TARGET_STANDARDS, Targets

__all__ = [
    "ACTIVITY_COLUMNS",
    "DISCLOSURE_REGISTER_KEYS",
    "OPERATING_KEYS",
    "TARGET_STANDARDS",
    "WORKLOADS",
    "ActivityPeriod",
    "Assurance",
    "Boundary",
    "BoundarySite",
    "CapacityRecord",
    "DemandResponseEvent",
    "EnergyCostPeriod",
    "FiscalYear",
    "GridCarbonFreePeriod",
    "GridSource",
    "HallCooling",
    "HeatReusePeriod",
    "HostedClient",
    "MarginalRateSource",
    "Meter",
    "MinerGroup",
    "NetworkReference",
    "OffsetCredit",
    "PipelineEntry",
    "PowerContract",
    "QualitySettings",
    "Reporting",
    "RetiredHardware",
    "SignOff",
    "SiteConfig",
    "SiteInfo",
    "Targets",
    "WaterPeriod",
    "Workload",
    "WorkloadSpan",
    "activity_input_record",
    "format_validation_error",
    "load_site",
    "read_activity_csv",
    "site_from_dict",
    "with_activity_file",
]
