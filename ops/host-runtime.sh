# The .NET runtime settings the host runs with, wherever the scripts start it: sourced by ops/run.sh, the
# benchmarks (ops/bench/lib.sh, replay-pairs.sh), the browser tests (ops/web.sh) and the chaos command (its hosts
# inherit them). README, "Runtime settings".
#
# Tiered compilation starts counting a tier-0 method's calls (to promote the hot ones to optimized code) only
# once no new method has been compiled for 100 ms. Work that keeps meeting new code, such as a replay that reads
# every event type and folds every projection, keeps postponing that, and ran much of its time in tier-0 code:
# counting at once took replay-and-verify over 500,000 events from 24,352-24,464 to 28,372-30,443 events/s and the
# host's CPU for it from 22-23 s to 16-17 s (two interleaved rounds), for 0.2-0.4 s more to /health/ready
# (1.96-1.97 s against 1.59-1.76 s). Quick JIT off instead (DOTNET_TC_QuickJit=0) gained as much on the replay but
# took the start to 3.6-3.8 s, over its 3 s target. ops/bench/README.md, "Tier-0 code in the replay".
export DOTNET_TC_CallCountingDelayMs=${DOTNET_TC_CallCountingDelayMs:-0}
