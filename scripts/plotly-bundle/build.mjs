// Builds ../../assets/vendor/plotly-app.min.js: plotly.js (the version dash serves, pinned in
// package.json) with only the trace types this app draws, the zh-CN locale and MapLibre for the
// map traces. Run through scripts/build-plotly-bundle.sh (npm ci, then this file); the product
// serves the committed result and needs no node.
//
// The options are plotly.js's own (esbuild-config.js of the package: iife named Plotly, the inline
// CSS plugin for MapLibre's stylesheet, NODE_DEBUG=false), with an entry that registers TRACES on
// plotly.js/lib/core instead of lib/index.js's every trace, as plotly.js's CUSTOM_BUNDLE.md describes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { environmentPlugin } from 'esbuild-plugin-environment';
import InlineCSSPlugin from 'esbuild-plugin-inline-css';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const out = join(here, '..', '..', 'assets', 'vendor', 'plotly-app.min.js');

// Every trace type the app's figures use (scatter comes with the core). Written into the header, where
// tests/dashboard/figures/test_plotly_bundle.py compares it with the trace types of the app's figures.
const TRACES = ['bar', 'choroplethmap', 'heatmap', 'scatter', 'scattermap', 'scatterpolar'];
const entry = `'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
${TRACES.filter((t) => t !== 'scatter').map((t) => `    require('plotly.js/lib/${t}'),`).join('\n')}
    require('plotly.js/lib/locales/zh-cn'),
]);
module.exports = Plotly;
`;

const plotlyPackage = require('plotly.js/package.json');
const maplibrePackage = require('maplibre-gl/package.json');
const esbuildPackage = require('esbuild/package.json');
const header = `/**
* plotly.js v${plotlyPackage.version} (partial bundle for this dashboard)
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license (assets/LICENSE-plotly.js.txt)
*
* traces: ${TRACES.join(',')}
* locales: zh-CN
* includes MapLibre GL JS v${maplibrePackage.version}, 3-Clause BSD license
* (https://github.com/maplibre/maplibre-gl-js/blob/main/LICENSE.txt); the licenses of the other
* bundled packages follow at the end of this file.
* Built by scripts/build-plotly-bundle.sh with esbuild ${esbuildPackage.version}: do not edit.
*/`;

const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'entry.js' },
    outfile: out,
    write: false,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: { js: header },
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, result.outputFiles[0].contents);
const size = readFileSync(out).length;
console.log(`${out}: ${size} bytes, traces ${TRACES.join(', ')}`);
