#!/usr/bin/env bash
# The scheduler examples (examples/slurm, examples/kubernetes): the shard
# expression each one gives `fg2ng batch --shard`, taken from the file
# itself and evaluated for every task/index of its split, covers every
# job of a 50-job manifest exactly once.  The YAML must parse, and be an
# Indexed Job.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
SBATCH="$FG_TOP/examples/slurm/fg2ng-batch.sbatch"
KJOB="$FG_TOP/examples/kubernetes/fg2ng-batch-job.yaml"

# A 50-job manifest; the files need not exist for --dry-run... they must:
# the manifest's files are checked before a dry run too.
mkdir -p src out
python3 - <<'PY'
import json
jobs = []
for i in range(50):
    open("src/s%02d.raw" % i, "w").close()
    jobs.append({"id": "srv-%02d" % i, "source": "src/s%02d.raw" % i,
                 "output": "out/s%02d.vhd" % i})
json.dump({"version": 1, "jobs": jobs}, open("fleet.json", "w"))
PY

# shard_word < TEXT: the word after --shard in TEXT's commands (comment
# lines left out), as the shell will see it (still quoted, unexpanded).
shard_word() {
  python3 -c '
import re, sys
code = "\n".join(l for l in sys.stdin.read().splitlines()
                 if not l.lstrip().startswith("#"))
m = re.findall(r"--shard\s+(\"[^\"]*\"|\S+)", code)
if len(m) != 1:
    sys.exit("expected one --shard, found %d" % len(m))
print(m[0])'
}

# cover N EXPR-FILE: run the dry run for every shard EXPR evaluates to
# (one per line of EXPR-FILE) and check that they cover fleet.json's 50
# jobs exactly once, every shard being K/N.
cover() {
  local n=$1 list=$2 k=0
  while read -r shard; do
    k=$((k + 1))
    [ "$shard" = "$k/$n" ] || { echo "task $k gives --shard '$shard', not $k/$n"; return 1; }
    "$FG2NG" batch --dry-run --json --shard "$shard" fleet.json > "shard-$k.json"
  done < "$list"
  [ "$k" -eq "$n" ] || { echo "$k shards evaluated, expected $n"; return 1; }
  python3 - "$n" <<'PY'
import json, sys, collections
n = int(sys.argv[1])
want = {"srv-%02d" % i for i in range(50)}
seen = collections.Counter()
for k in range(1, n + 1):
    d = json.load(open("shard-%d.json" % k))
    seen.update(j["id"] for j in d["jobs"])
twice = [i for i, c in seen.items() if c > 1]
assert not twice, "in two shards: %s" % twice
assert set(seen) == want, "missing: %s" % sorted(want - set(seen))
sizes = [len(json.load(open("shard-%d.json" % k))["jobs"]) for k in range(1, n + 1)]
print("measured shard sizes of 50 jobs in %d shards: %s" % (n, sizes))
PY
}

test_ok "Slurm: every array task's --shard, together, covers each job once" '
  [ -f "$SBATCH" ]
  bash -n "$SBATCH"
  head -1 "$SBATCH" | grep -q "^#!/bin/bash"
  grep -q "^#   sbatch examples/slurm/fg2ng-batch.sbatch" "$SBATCH"
  range=$(sed -n "s/^#SBATCH --array=\([0-9]*-[0-9]*\)$/\1/p" "$SBATCH")
  first=${range%-*} last=${range#*-}
  [ "$first" = 1 ] && [ "$last" -ge 2 ] || { echo "array range \"$range\""; exit 1; }
  n=$((last - first + 1))
  word=$(shard_word < "$SBATCH")
  for id in $(seq "$first" "$last"); do
    SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_COUNT=$n bash -uc "eval echo $word"
  done > slurm-shards.txt
  cover "$n" slurm-shards.txt
  # the store is per shard, so tasks on one file system never share one
  grep -q -- "--state \"[^\"]*\${shard/" "$SBATCH"'

test_ok "Kubernetes: an Indexed Job whose indexes, together, cover each job once" '
  [ -f "$KJOB" ]
  python3 -c "import yaml" 2>/dev/null || { echo "python3-yaml is missing (make deps)"; exit 1; }
  python3 - "$KJOB" > kjob.env <<PY
import sys, yaml, shlex
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert len(docs) == 1, len(docs)
job = docs[0]
assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job"), job
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec
n, par = spec["completions"], spec["parallelism"]
assert isinstance(n, int) and n >= 2 and 1 <= par <= n, (n, par)
pod = spec["template"]["spec"]
assert pod["restartPolicy"] in ("Never", "OnFailure"), pod
(c,) = pod["containers"]
script = " ".join(c.get("command", []) + c.get("args", []))
assert "fg2ng batch" in script and "--shard" in script, script
mounts = {m["name"] for m in c.get("volumeMounts", [])}
assert mounts <= {v["name"] for v in pod["volumes"]}, mounts
print("N=%d" % n)
for e in c.get("env", []):
    print("export %s=%s" % (e["name"], shlex.quote(str(e["value"]))))
open("kjob.script", "w").write(script)
PY
  . ./kjob.env
  grep -q "^#   kubectl apply -f examples/kubernetes/fg2ng-batch-job.yaml" "$KJOB"
  word=$(shard_word < kjob.script)
  for idx in $(seq 0 $((N - 1))); do
    JOB_COMPLETION_INDEX=$idx bash -uc "eval echo $word"
  done > k8s-shards.txt
  cover "$N" k8s-shards.txt'

test_ok "examples/README.md gives both submit commands" '
  grep -qF "sbatch examples/slurm/fg2ng-batch.sbatch" "$FG_TOP/examples/README.md"
  grep -qF "kubectl apply -f examples/kubernetes/fg2ng-batch-job.yaml" "$FG_TOP/examples/README.md"'

done_testing
