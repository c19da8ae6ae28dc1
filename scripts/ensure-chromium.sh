#!/usr/bin/env bash
# Make sure Debian's Chromium, its ChromeDriver, CJK fonts, poppler-utils and LibreOffice Impress are installed
# (browser and export tests).
#
# Installs nothing that is already there. As root it runs `apt-get update` once and installs what is
# missing; otherwise it says how to install them and the browser tests skip themselves.
# With CI=true anything missing that cannot be installed is an error: a missing browser is never silent.
set -euo pipefail

# Issue 7: fonts-wqy-microhei is TrueType, so exported PDFs embed it as a real CID font (Noto CJK is CFF:
# Chromium writes it as Type 3); poppler-utils gives pdftoppm/pdffonts to the export tests.
PACKAGES=(chromium chromium-driver fonts-noto-cjk fonts-wqy-microhei poppler-utils)
# Installed without recommends: LibreOffice Impress renders the exported PPTX to PDF for the export tests
# (`soffice --headless --convert-to pdf`). 56 packages, 84 MB, 267 MB on disk; with recommends it is 253
# packages. Measured on a fresh machine, after the packages above: 78 s (110 s through this script, apt-get update
# included, on a loaded machine).
LEAN_PACKAGES=(libreoffice-impress)
in_ci() { [[ "${CI:-}" =~ ^(1|true|yes)$ ]]; }

installed() {
    local pkg=$1
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"
        return
    fi
    # Not a Debian system: look for the binaries; the font cannot be checked this way.
    case "$pkg" in
        chromium) command -v chromium >/dev/null 2>&1 ;;
        chromium-driver) command -v chromedriver >/dev/null 2>&1 ;;
        libreoffice-impress) command -v soffice >/dev/null 2>&1 ;;
        *) return 0 ;;
    esac
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
lean_missing=()
for pkg in "${LEAN_PACKAGES[@]}"; do
    installed "$pkg" || lean_missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 && ${#lean_missing[@]} -eq 0 ]] && exit 0
all_missing=("${missing[@]}" "${lean_missing[@]}")

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "安装浏览器测试和导出所需的软件包 / installing packages for the browser tests and exports: ${all_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -q </dev/null \
        && { [[ ${#missing[@]} -eq 0 ]] || apt-get install -y -q "${missing[@]}" </dev/null; } \
        && { [[ ${#lean_missing[@]} -eq 0 ]] || apt-get install -y -q --no-install-recommends "${lean_missing[@]}" </dev/null; }; then
        exit 0
    fi
    echo "安装失败 / installing ${all_missing[*]} failed." >&2
    in_ci && exit 1
    echo "浏览器测试将被跳过 / the browser tests will be skipped." >&2
    exit 0
fi

cat >&2 <<EOF
缺少 ${all_missing[*]}：浏览器测试（tests/browser）和 PPT 渲染测试将被跳过，快照导出（PDF、PPT 中的图）也无法生成。安装方法：
    sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]} && sudo apt-get install -y --no-install-recommends ${LEAN_PACKAGES[*]}
Missing ${all_missing[*]}: the browser tests (tests/browser) and the PPTX render test will be skipped and snapshot exports (PDF, PPTX pictures) cannot be made. To install them:
    sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]} && sudo apt-get install -y --no-install-recommends ${LEAN_PACKAGES[*]}
EOF
in_ci && exit 1
exit 0
