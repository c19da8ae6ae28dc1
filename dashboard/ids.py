"""Every component id, once. Kebab-case with a page prefix, in sections by page."""

# shell (every page): routing, live refresh, the top bar
URL = "url"
PAGE = "page-content"
LIVE_INTERVAL = "live-interval"
DATA_VERSION = "data-version"
UPDATED_AT = "updated-at"
PAGE_TITLE = "doc-title"  # dcc.Store: the document title of the page shown

# top bar links, in the order of dashboard/pages/shell.py NAV
AD_NAV = "ad-nav"
SU_NAV = "su-nav"
RV_NAV = "rv-nav"
SN_NAV = "sn-nav"
CS_NAV = "cs-nav"
SM_NAV = "sm-nav"
AC_NAV = "ac-nav"  # the top bar's 行动 link

# overview (/): filters, KPI tiles, map, ranking, charts
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
COMPOSITION_PART = "ov-composition-part"
# overview: "显示全部" of the ranking and the lagging list, and the grid of every unit it opens
# (dashboard/components/long_list.py). The buttons' ids are dicts {"type": OV_SHOW_ALL, "list": ...}.
OV_SHOW_ALL = "ov-show-all"
OV_ALL_PANEL = "ov-all-panel"
OV_ALL_TITLE = "ov-all-title"
OV_ALL_SEARCH = "ov-all-search"
OV_ALL_CLOSE = "ov-all-close"
OV_ALL_GRID = "ov-all-grid"
OV_ALL_FROM = "ov-all-from"  # dcc.Store: the list the grid was opened from ("ranking" / "lagging")
OV_ALL_SCROLLED = "ov-all-scrolled"  # dcc.Store: the output of the clientside scroll to the opened grid
# overview of an area (/, /area/<adcode>): which area (dcc.Store: its unit id, null = the installation's
# root), the breadcrumbs (全国 › 山东省 › 临沂市) and "已报送 N / M 个单位"
AREA = "ov-area"
BREADCRUMBS = "ov-breadcrumbs"
AREA_REPORTED = "ov-area-reported"

# overview: the 待审核 notice (built by dashboard/pages/review.py), the 生成快照 link
OV_PENDING_REVIEW = "ov-pending-review"
SN_OVERVIEW_LINK = "sn-overview-link"  # the 生成快照 link on the overview

# overview: the follow-up panel (指导员, 实效评价, 监督检查; dashboard/components/followup_panel.py)
AC_PANEL = "ac-panel"  # the overview's per-unit action panel

# district (/district/<code>)
D_HEADER = "dt-header"
D_BODY = "dt-body"
D_TABLE = "dt-table"
D_COMPARE = "dt-compare"
D_TREND = "dt-trend"
D_HISTORY = "dt-history"
D_REASONS = "dt-reasons"
D_BACK = "dt-back"

# district: the review status in the header (built by dashboard/pages/review.py)
D_REVIEW_STATUS = "dt-review-status"
D_TODO = "dt-todo"  # the unit's 待办 for its own reporter (dashboard/components/todo.py)
D_LAST_YEAR = "dt-last-year"  # 同期: the unit against the same day of last year's action

# district: the follow-up section of the unit (dashboard/components/followup_panel.py)
AC_DT_RADAR = "ac-dt-radar"

# submit (/submit): web form, xlsx upload, preview, confirm
SU_CAMPAIGN = "su-campaign"
SU_UNIT = "su-unit"
SU_DATE = "su-date"
SU_PREVIOUS = "su-previous"
SU_RETURNED = "su-returned"
SU_CORRECTION = "su-correction"
SU_REASON = "su-reason"
SU_LEADER = "su-leader"
SU_FILLED_BY = "su-filled-by"
SU_FILLED_ON = "su-filled-on"
SU_GRID = "su-grid"
SU_PREVIEW_BTN = "su-preview-btn"
SU_UPLOAD = "su-upload"
SU_UPLOAD_LIMIT = "su-upload-limit"  # the upload limit in bytes, for the browser-side size check
SU_TEMPLATE = "su-template"
SU_PREVIEW = "su-preview"
SU_CONFIRM = "su-confirm"
SU_PENDING = "su-pending"  # dcc.Store: the signed, previewed submission (nothing stored before 确认提交)
SU_STAMP = "su-stamp"  # dcc.Store: the id of the version just stored (reloads the context)
SU_RESULT = "su-result"
SU_HISTORY = "su-history"

# review (/review): the queue of submitted reports
RV_CAMPAIGN = "rv-campaign"
RV_UNIT = "rv-unit"
RV_QUEUE = "rv-queue"
RV_RESULT = "rv-result"
RV_ACCEPT = "rv-accept"  # dict id {"type": RV_ACCEPT, "index": report id}, one per queued report
RV_RETURN = "rv-return"  # dict id, as RV_ACCEPT
RV_COMMENT = "rv-comment"  # dict id, as RV_ACCEPT
RV_GRID = "rv-grid"  # grid: the queue, a checkbox per report
RV_SELECT_ALL = "rv-select-all"  # 全选待审核
RV_ACCEPT_SELECTED = "rv-accept-selected"  # 通过所选 (asks RV_CONFIRM first)
RV_CONFIRM = "rv-confirm"  # dcc.ConfirmDialog: accept the N selected reports?
RV_DETAIL = "rv-detail"  # the card of the report clicked in the grid

# cases (/cases): filters, targets table, gallery
CS_CAMPAIGN = "cs-campaign"
CS_UNIT = "cs-unit"
CS_LEVEL = "cs-level"
CS_STAGE = "cs-stage"
CS_CITY = "cs-city"
CS_TARGETS = "cs-targets"
CS_TARGET_GRID = "cs-target-grid"
CS_COUNT = "cs-count"
CS_GALLERY = "cs-gallery"
CS_PHOTOS = "cs-photos"

# case (/case/<id> and /cases/new): detail, edit form, 市级典型 mark
CS_DETAIL = "cs-detail"
CS_F_CASE = "cs-f-case"  # Store: the case id being edited (None on /cases/new)
CS_F_CAMPAIGN = "cs-f-campaign"  # Store: the campaign a new case belongs to
CS_F_UNIT = "cs-f-unit"
CS_F_TITLE = "cs-f-title"
CS_F_SUBJECT = "cs-f-subject"
CS_F_SUMMARY = "cs-f-summary"
CS_F_LEVEL = "cs-f-level"
CS_F_STAGE = "cs-f-stage"
CS_F_STARTED = "cs-f-started"
CS_F_SELECTED = "cs-f-selected"
CS_F_LON = "cs-f-lon"
CS_F_LAT = "cs-f-lat"
CS_F_PHOTOS = "cs-f-photos"
CS_F_PHOTO_NAMES = "cs-f-photo-names"
CS_F_SAVE = "cs-f-save"
CS_F_RESULT = "cs-f-result"
CS_PHOTO_REMOVE = "cs-photo-remove"  # dict id {"type": CS_PHOTO_REMOVE, "index": file id}
CS_MARK = "cs-mark"
CS_MARK_RESULT = "cs-mark-result"

# summaries (/summaries)
SM_CAMPAIGN = "sm-campaign"
SM_COUNTDOWN = "sm-countdown"
SM_TABLE = "sm-table"
SM_GRID = "sm-grid"
SM_FLASH = "sm-flash"

# follow-up pages (instructors, evaluation, supervision): shared
AC_CAMPAIGN = "ac-campaign"  # dcc.Store: the campaign the action pages show and write to
AC_SAVED = "ac-saved"  # dcc.Store bumped after a write, so the page body refreshes
AC_UNIT_FILTER = "ac-unit-filter"
AC_TABS = "ac-tabs"  # 指导员 / 实效评价 / 监督检查 on each of those pages

# instructors (/instructors): quota, instructors, activity log
AC_IN_BODY = "ac-in-body"
AC_Q_UNIT = "ac-q-unit"
AC_Q_REQUIRED = "ac-q-required"
AC_Q_SAVE = "ac-q-save"
AC_Q_RESULT = "ac-q-result"
AC_IN_UNIT = "ac-in-unit"
AC_IN_NAME = "ac-in-name"
AC_IN_PHONE = "ac-in-phone"
AC_IN_SINCE = "ac-in-since"
AC_IN_ADD = "ac-in-add"
AC_IN_RESULT = "ac-in-result"
AC_IN_STAFF = "ac-in-staff"  # grid: required and staffed per unit
AC_IN_HEAT = "ac-in-heat"  # grid: work logs per unit and week
AC_IN_ROSTER = "ac-in-roster"  # grid: the roster; a click on a row's 离岗 cell asks AC_IN_CONFIRM
AC_IN_LOGS = "ac-in-logs"  # grid: the work logs
AC_IN_CONFIRM = "ac-in-confirm"  # dcc.ConfirmDialog: take this instructor off the roster?
AC_IN_PENDING = "ac-in-pending"  # dcc.Store: the instructor id AC_IN_CONFIRM asks about
AC_LOG_UNIT = "ac-log-unit"
AC_LOG_WHO = "ac-log-who"
AC_LOG_DATE = "ac-log-date"
AC_LOG_ACTIVITY = "ac-log-activity"
AC_LOG_ENTERPRISE = "ac-log-enterprise"
AC_LOG_NOTE = "ac-log-note"
AC_LOG_ADD = "ac-log-add"
AC_LOG_RESULT = "ac-log-result"

# evaluation (/evaluation): charts, scorecard editor, enterprise scores
AC_EV_BODY = "ac-ev-body"
AC_EV_SMALL = "ac-ev-small"
AC_EV_RADAR = "ac-ev-radar"
AC_EV_TREND = "ac-ev-trend"
AC_EV_TREND_DIM = "ac-ev-trend-dim"
AC_EV_LOG = "ac-ev-log"  # grid: the evaluations
AC_SC_EDITOR = "ac-sc-editor"
AC_SC_IDS = "ac-sc-ids"  # dcc.Store: the dimension id of each editor row (None for the new row)
AC_SC_NAME = "ac-sc-name"  # dict ids {"type": ..., "index": row}, one per editor row
AC_SC_WEIGHT = "ac-sc-weight"
AC_SC_SCALE = "ac-sc-scale"
AC_SC_ACTIVE = "ac-sc-active"
AC_SC_SAVE = "ac-sc-save"
AC_SC_RESULT = "ac-sc-result"
AC_ES_FORM = "ac-es-form"
AC_ES_UNIT = "ac-es-unit"
AC_ES_ENTERPRISE = "ac-es-enterprise"
AC_ES_DATE = "ac-es-date"
AC_ES_SCORE = "ac-es-score"  # dict ids {"type": ..., "index": dimension id}
AC_ES_SAVE = "ac-es-save"
AC_ES_RESULT = "ac-es-result"

# supervision (/supervision): rectification cases
AC_SV_BODY = "ac-sv-body"
AC_RF_UNIT = "ac-rf-unit"
AC_RF_ENTERPRISE = "ac-rf-enterprise"
AC_RF_KIND = "ac-rf-kind"
AC_RF_DATE = "ac-rf-date"
AC_RF_DEADLINE = "ac-rf-deadline"
AC_RF_DESC = "ac-rf-desc"
AC_RF_INTERVENTION = "ac-rf-intervention"
AC_RF_ADD = "ac-rf-add"
AC_RF_RESULT = "ac-rf-result"
AC_RF_STATUS = "ac-rf-status"  # dict ids {"type": ..., "index": "<case id>|<new status code>"}
AC_RF_STATUS_RESULT = "ac-rf-status-result"

# snapshots (/snapshots): create, list, export, compare
SN_FILTERS = "sn-filters"  # dcc.Store: the overview filters a new snapshot freezes (campaign, date, metric)
SN_SNAPSHOT_ID = "sn-snapshot-id"  # dcc.Store: the snapshot the export buttons export (None: the live view)
SN_TITLE = "sn-title"
SN_NOTE = "sn-note"
SN_CREATE = "sn-create"
SN_CREATE_RESULT = "sn-create-result"
SN_LIST = "sn-list"
SN_EXPORT = "sn-export"  # dict id {"type": SN_EXPORT, "fmt": "pdf"|"pptx"|"xlsx"|"csv"}, one button per format
SN_TICKET = "sn-ticket"  # dcc.Store: the signed export ticket the background job verifies
SN_PROGRESS = "sn-progress"
SN_PROGRESS_TEXT = "sn-progress-text"
SN_PROGRESS_BOX = "sn-progress-box"
SN_EXPORT_RESULT = "sn-export-result"
SN_DOWNLOAD = "sn-download"
SN_COMPARE_A = "sn-compare-a"
SN_COMPARE_B = "sn-compare-b"
SN_COMPARE_RESULT = "sn-compare-result"

# admin (/admin): sub-navigation; users and roles, API tokens, audit log
AD_SUBNAV = "ad-subnav"
AD_USERS = "ad-users"
AD_USER_NAME = "ad-user-name"
AD_USER_ROLE = "ad-user-role"
AD_USER_UNIT = "ad-user-unit"
AD_USER_AREA = "ad-user-area"  # the area a new leader or admin oversees (a unit with children)
AD_USER_PASSWORD = "ad-user-password"
AD_USER_PASSWORD2 = "ad-user-password2"
AD_USER_CREATE = "ad-user-create"
AD_USER_RESULT = "ad-user-result"
AD_USER_ACTION = "ad-user-action"  # dict id {"type": AD_USER_ACTION, "index": user id, "op": deactivate/...}
AD_ROLE_USER = "ad-role-user"
AD_ROLE_ROLE = "ad-role-role"
AD_ROLE_UNIT = "ad-role-unit"
AD_ROLE_AREA = "ad-role-area"  # the area of an existing leader or admin (the role form)
AD_ROLE_SAVE = "ad-role-save"
AD_TOKENS = "ad-tokens"
AD_TOKEN_UNIT = "ad-token-unit"
AD_TOKEN_LABEL = "ad-token-label"
AD_TOKEN_CREATE = "ad-token-create"
AD_TOKEN_RESULT = "ad-token-result"
AD_TOKEN_REVOKE = "ad-token-revoke"  # dict id {"type": AD_TOKEN_REVOKE, "index": token id}, one per row
AD_AUDIT = "ad-audit"

# admin campaigns (/admin/campaigns): dates, copy, lagging thresholds
AD_CAMPS = "ad-camps"
AD_CAMP_PICK = "ad-camp-pick"
AD_CAMP_NAME = "ad-camp-name"
AD_CAMP_START = "ad-camp-start"
AD_CAMP_END = "ad-camp-end"
AD_CAMP_CUTOFF = "ad-camp-cutoff"
AD_CAMP_DEADLINE = "ad-camp-deadline"
AD_CAMP_COPY = "ad-camp-copy"
AD_CAMP_TH = {  # lagging thresholds of the chosen campaign, by db.admin.campaigns.THRESHOLD_FIELDS key (+ "pace")
    "pace_gap_points": "ad-th-pace-gap",
    "filing_gap_points": "ad-th-filing-gap",
    "stale_days": "ad-th-stale-days",
    "coverage_margin_points": "ad-th-coverage-margin",
    "min_expected_fraction": "ad-th-min-fraction",
    "pace": "ad-th-pace",
}
AD_CAMP_SAVE = "ad-camp-save"
AD_CAMP_RESULT = "ad-camp-result"

# admin units (/admin/units)
AD_UNITS = "ad-units"
AD_UNITS_GRID = "ad-units-grid"
AD_UNIT_PICK = "ad-unit-pick"
AD_UNIT_CODE = "ad-unit-code"
AD_UNIT_NAME = "ad-unit-name"
AD_UNIT_KIND = "ad-unit-kind"
AD_UNIT_PARENT = "ad-unit-parent"
AD_UNIT_ADCODE = "ad-unit-adcode"
AD_UNIT_SORT = "ad-unit-sort"
AD_UNIT_SAVE = "ad-unit-save"
AD_UNIT_RESULT = "ad-unit-result"
AD_UNIT_UPLOAD = "ad-unit-upload"
AD_UNIT_PREVIEW = "ad-unit-preview"
AD_UNIT_APPLY = "ad-unit-apply"

# admin targets (/admin/targets): bases and targets per unit
AD_TGT_CAMPAIGN = "ad-tgt-campaign"
AD_TGT_GRID = "ad-tgt-grid"
AD_TGT_PREVIEW = "ad-tgt-preview"
AD_TGT_SAVE = "ad-tgt-save"
AD_TGT_RESULT = "ad-tgt-result"
