"""Every component id, once. Kebab-case with a page prefix."""

# shell (every page)
URL = "url"
PAGE = "page-content"
LIVE_INTERVAL = "live-interval"
DATA_VERSION = "data-version"
UPDATED_AT = "updated-at"

# overview
CAMPAIGN = "ov-campaign"
AS_OF = "ov-as-of"
METRIC = "ov-metric"
DEMO_BADGE = "ov-demo-badge"
TIME_BAR = "ov-time-bar"
KPIS = "ov-kpis"
LAGGING = "ov-lagging"
MAP = "ov-map"
OFFMAP = "ov-offmap"
RANKING = "ov-ranking"
PROGRESS = "ov-progress"
COMPOSITION = "ov-composition"

# district
D_HEADER = "dt-header"
D_TABLE = "dt-table"
D_COMPARE = "dt-compare"
D_TREND = "dt-trend"
D_HISTORY = "dt-history"
D_REASONS = "dt-reasons"
D_BACK = "dt-back"
COMPOSITION_PART = "ov-composition-part"
D_BODY = "dt-body"
