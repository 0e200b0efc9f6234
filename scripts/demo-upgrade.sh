#!/bin/sh
# A stand-in "OS upgrade" for the demo: it counts its runs in $DEMO_DIR and
# works for a moment. With DEMO_RESTART=1 it then restarts the machine in
# the middle, as Windows Setup does: it says so, and the demo cuts the
# "machine" off (SIGKILL to everything, no notice). Otherwise it succeeds.
n=$(cat "$DEMO_DIR/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$DEMO_DIR/runs"
echo "demo upgrade: run $n, installing..."
for step in unpack migrate; do
  echo "demo upgrade: $step"
  sleep 0.3
done
if [ -n "${DEMO_RESTART:-}" ]; then
  echo "demo upgrade: restarting the machine to finish"
  touch "$DEMO_DIR/restarting"
  sleep 60   # the restart ends it
fi
echo "demo upgrade: finish"
sleep 0.3
echo "demo upgrade: done"
