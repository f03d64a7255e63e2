#!/bin/sh
# Inside the Linux guest, as root (scripts/uhid-vm/run-vm.sh runs it from the checkout's root):
# starts the same private test services as on the host (scripts/test-env.sh: a session bus with
# an unlocked throw-away gnome-keyring, a system bus with polkitd and the test rules; the guest's
# /etc and /usr are throw-away overlays, so the rules and test users can be installed there) and
# runs tests/hid/suite.sh in them.   usage: guest.sh [test|bench N|fail]
# The guest has no X server and these tests need none: a DISPLAY that is set keeps test-env.sh
# from starting Xvfb (nothing here connects to it).
export DISPLAY=:none
exec bash scripts/test-env.sh bash tests/hid/suite.sh "$@"
