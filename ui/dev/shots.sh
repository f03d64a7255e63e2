#!/usr/bin/env bash
# DEV ONLY: build the mock bundle and take every screenshot into shots/.
# Needs the mock preview server running:  npx vite preview --config dev/vite.mock.config.ts
set -euo pipefail
cd "$(dirname "$0")/.."
npx vite build --config dev/vite.mock.config.ts --logLevel error
s=dev/shot.sh
for t in light dark; do
  $s main-$t            "index.html?theme=$t"
  $s main-focused-$t    "index.html?theme=$t&act=select-3,focus-list"
  $s search-$t          "index.html?theme=$t&act=search:alice%20git"
  $s no-results-$t      "index.html?theme=$t&act=search:zzz"
  $s rename-$t          "index.html?theme=$t&act=select-2,rename"
  $s confirm-delete-$t  "index.html?theme=$t&act=confirm-delete"
  $s undo-toast-$t      "index.html?theme=$t&act=deleted" 1000 660 2500
  $s error-banner-$t    "index.html?theme=$t&act=error"
  $s empty-$t           "index.html?theme=$t&vault=empty"
  $s activity-$t        "index.html?theme=$t&act=tab-activity"
  $s settings-$t        "index.html?theme=$t&act=tab-settings"
  $s link-empty-$t      "index.html?theme=$t&act=tab-link"
  $s link-trusted-$t    "index.html?theme=$t&act=link:https%3A%2F%2Fexample.com%2Flink%2Fabc"
  $s link-lookalike-$t  "index.html?theme=$t&act=link:https%3A%2F%2Fexamp1e.com%2Flink%2Fabc"
  $s link-unknown-$t    "index.html?theme=$t&act=link:https%3A%2F%2Fshop.example%2Fl"
  $s prompt-replaces-$t "prompt.html?theme=$t&prompt=replaces" 420 520
  $s prompt-use-link-$t "prompt.html?theme=$t&prompt=use-link" 420 520
  $s locked-$t          "index.html?theme=$t&vault=locked"
  $s unlocking-$t       "index.html?theme=$t&vault=locked&unlock=hang&act=unlock"
  $s unlock-failed-$t   "index.html?theme=$t&vault=locked&unlock=fail&act=unlock"
  $s prompt-signin-$t   "prompt.html?theme=$t" 420 520
  $s prompt-create-$t   "prompt.html?theme=$t&prompt=create" 420 520
  $s prompt-mismatch-$t "prompt.html?theme=$t&prompt=mismatch" 420 520
  $s prompt-cli-$t      "prompt.html?theme=$t&prompt=cli" 420 520
  $s prompt-approving-$t "prompt.html?theme=$t&act=select-account-2,approve-hang" 420 520
  $s prompt-failed-$t   "prompt.html?theme=$t&act=approve-fail" 420 520
  $s prompt-timedout-$t "prompt.html?theme=$t&prompt=expiring" 420 520 9000
  $s prompt-none-$t     "prompt.html?theme=$t&prompt=none" 420 520
done
$s small-640x420      "index.html?theme=light" 640 420
$s small-640x420-dark "index.html?theme=dark&act=tab-activity" 640 420
$s large-1440x900     "index.html?theme=system" 1440 900
