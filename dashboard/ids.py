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

# admin (/admin): users, API tokens, audit log
AD_NAV = "ad-nav"
AD_USERS = "ad-users"
AD_USER_NAME = "ad-user-name"
AD_USER_ROLE = "ad-user-role"
AD_USER_UNIT = "ad-user-unit"
AD_USER_PASSWORD = "ad-user-password"
AD_USER_PASSWORD2 = "ad-user-password2"
AD_USER_CREATE = "ad-user-create"
AD_USER_RESULT = "ad-user-result"
AD_TOKENS = "ad-tokens"
AD_TOKEN_UNIT = "ad-token-unit"
AD_TOKEN_LABEL = "ad-token-label"
AD_TOKEN_CREATE = "ad-token-create"
AD_TOKEN_RESULT = "ad-token-result"
AD_TOKEN_REVOKE = "ad-token-revoke"  # dict id {"type": AD_TOKEN_REVOKE, "index": token id}, one per row
AD_AUDIT = "ad-audit"

# --- issue 5: submission (xlsx helper: SX_; web submission/review: SU_ / RV_) ---

# --- issue 6: cases and summaries (CS_ / SM_) ---

# --- issue 6: instructors, evaluation, supervision, overview action panel (AC_) ---

# --- issue 7: snapshots and exports (SN_) ---

# --- issue 4: admin pages (AD_ prefix, above, continues here) ---
