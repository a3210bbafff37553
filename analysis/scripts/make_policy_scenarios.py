#!/usr/bin/python3
"""Write the three policy scenarios from the 2025 story scenario.

Each policy scenario is meta_superintelligence_2025.toml (the 2025 world,
Meta's lab included) with a policy added at the end as timeline events (and,
for the startup squeeze, two entrant firms), so that comparing a policy run
with the story run of the same seed isolates the policy. Everything else,
comments included, is kept; do not edit the generated files by hand.

    /usr/bin/python3 analysis/scripts/make_policy_scenarios.py [--check]

``--check`` writes nothing and exits 1 when a file on disk is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "scenarios" / "meta_superintelligence_2025.toml"

POLICIES = {
    "china_talent_policy": {
        "description": "Policy: China raises retention subsidies and lowers frictions for returnees from March 2025",
        "question": "How much does China's brain drain fall, and at what cost per retained researcher?",
        "append": '''
# ---------------------------------------------------------------------------
# POLICY (china_talent_policy): from week 8 (Mon 3 Mar 2025) China pays its
# nationals who work at home a retention subsidy of $250k/yr instead of $50k
# (assumption: the scale of the top "talent programme" packages for
# returnees), which is also the pull on returnees: a national abroad gains
# the subsidy by coming home (the model's friction for returnees is the lost
# subsidy and home utility, so raising the subsidy is lowering it). Chinese
# firms' recruiting abroad doubles (attention x2, assumption).
# ---------------------------------------------------------------------------
[[timeline]]
step = 8                     # Mon 3 Mar 2025
label = "China raises retention subsidies for nationals at home (returnees included)"
country = "CN"
set = { retention_subsidy = 250000.0 }   # assumption: $250k/yr, the policy under study
''' + "".join(f'''
[[timeline]]
step = 8                     # Mon 3 Mar 2025
label = "Chinese firms recruit returnees"
firm = "{f}"
scale = {{ attention = 2.0 }}   # assumption: returnee recruitment drives
''' for f in ("DeepSeek", "Alibaba", "ByteDance", "Tencent", "Moonshot", "Tsinghua", "Peking")),
    },
    "us_visa_tightening": {
        "description": "Policy: the US raises frictions for non-nationals from March 2025",
        "question": "Where do researchers go, and what happens to US labs' progress?",
        "append": '''
# ---------------------------------------------------------------------------
# POLICY (us_visa_tightening): from week 8 (Mon 3 Mar 2025) working in the US
# costs a non-national 0.9 utility instead of 0.3 (assumption: about a 60%
# pay cut's worth: fees, lotteries, delays and the risk of losing status).
# ---------------------------------------------------------------------------
[[timeline]]
step = 8                     # Mon 3 Mar 2025
label = "US raises frictions for non-nationals"
country = "US"
set = { visa_friction = 0.9 }   # assumption: the policy under study
''',
    },
    "startup_squeeze": {
        "description": "Policy question: two late entrants with very large budgets enter in 2025",
        "question": "How many startups fail or are acquired, and how concentrated does talent become?",
        "append": '''
# ---------------------------------------------------------------------------
# SCENARIO (startup_squeeze): two late entrants with very large budgets
# (assumption: the size of a big tech firm's AI push, $40B of cash and $20B/yr
# of income each, 300k GPUs) enter in April and July 2025 and hire from the
# whole field (attention 200, 20 hires a week, first offers 50% above what
# moves people); they value every rival's loss (denial weight 0.5).
# ---------------------------------------------------------------------------
[[firms]]
name = "Entrant A"
kind = "lab"
enter_step = 13              # Mon 7 Apr 2025 (assumption)
headcount = 0                # enters empty
cash = 4.0e10                # assumption
income = 2.0e10              # assumption
comp_budget_share = 0.1      # assumption: a ~$2.2B/yr pay budget
compute = 3.0e5              # assumption
capex = 2.0e10               # assumption
opex_per_gpu = 2000.0        # assumption: owns its clusters
ai_value = 1.5e8             # assumption: $3.75M per unit of talent at the talent floor (20), ~$1.2M at 200 units (the scale of a frontier lab's week-0 value)
attention = 200              # assumption
max_hires_per_step = 20      # assumption
bid_markup = 0.5             # assumption
mission = 0.3                # assumption
rivals = ["OpenAI", "Google DeepMind", "Anthropic", "Meta", "US startup", "EU startup"]   # assumption
denial_weight = 0.5          # assumption

[[firms]]
name = "Entrant B"
kind = "lab"
enter_step = 26              # Mon 7 Jul 2025 (assumption)
headcount = 0                # enters empty
cash = 4.0e10                # assumption
income = 2.0e10              # assumption
comp_budget_share = 0.1      # assumption
compute = 3.0e5              # assumption
capex = 2.0e10               # assumption
opex_per_gpu = 2000.0        # assumption
ai_value = 1.5e8             # assumption (as Entrant A)
attention = 200              # assumption
max_hires_per_step = 20      # assumption
bid_markup = 0.5             # assumption
mission = 0.3                # assumption
rivals = ["OpenAI", "Google DeepMind", "Anthropic", "Meta", "US startup", "CN startup"]   # assumption
denial_weight = 0.5          # assumption
''',
    },
}


def main() -> int:
    text = SRC.read_text()
    stale = False
    for name, pol in POLICIES.items():
        out = text.replace('name = "meta_superintelligence_2025"', f'name = "{name}"', 1)
        out = re.sub(r'(?m)^description = ".*"$', f'description = "{pol["description"]}"', out,
                     count=1)
        header = (f"# POLICY SCENARIO, generated by analysis/scripts/make_policy_scenarios.py\n"
                  f"# from meta_superintelligence_2025.toml plus the block at the end.\n"
                  f"# Question: {pol['question']}\n"
                  f"# Answer: docs/scenarios-gallery.md. Do not edit by hand.\n#\n")
        dst = ROOT / "scenarios" / f"{name}.toml"
        new = header + out.rstrip("\n") + "\n" + pol["append"]
        if "--check" in sys.argv[1:]:
            if not dst.exists() or dst.read_text() != new:
                print(f"{dst.relative_to(ROOT)} is stale: run "
                      "analysis/scripts/make_policy_scenarios.py", file=sys.stderr)
                stale = True
            continue
        dst.write_text(new)
        print(f"wrote {dst.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
