import json, sys
for path in sys.argv[1:]:
    rows = [json.loads(l) for l in open(path)]
    n = len(rows)
    acc = sum(r["correct"] for r in rows) / n
    util = sum(r["large_utilization"] for r in rows) / n
    wall = sum(r["wall_ms"] for r in rows) / n
    sw = sum(r["switches_l_to_s"] for r in rows) / n
    expl = sum(r.get("online", {}).get("explored", 0) for r in rows)
    meas = sum(r.get("online", {}).get("measured_tokens", 0) for r in rows)
    drift = [r["online"]["drift"] for r in rows if r.get("online", {}).get("drift")]
    print(f"{path.split('/')[-1]}: n={n} pass@1={100*acc:.1f}% large_util={100*util:.1f}% mean_wall_ms={wall:.1f} L->S/run={sw:.2f} explored_regions={expl} measured_tokens={meas} runs_with_alarm={len(drift)}" + (f" last_alarms={[a['cue'] for a in drift[-1]]}" if drift else ""))
