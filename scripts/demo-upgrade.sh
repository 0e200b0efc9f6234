#!/bin/sh
# A stand-in "OS upgrade" for the demo: it counts its runs in $DEMO_DIR, works
# for a moment, and succeeds.
n=$(cat "$DEMO_DIR/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$DEMO_DIR/runs"
echo "demo upgrade: run $n, installing..."
for step in unpack migrate finish; do
  echo "demo upgrade: $step"
  sleep 0.3
done
echo "demo upgrade: done"
