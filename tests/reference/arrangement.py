"""The arrangement's arithmetic written out plainly from METHODOLOGY.md §1, one account at a time.

For model k in {var, span}: standalone_k = M_k(F) + M_k(C); combined_k = M_k(F ∪ C);
savings_k = 1 − combined_k / base_k with base_k = standalone_k (``sum_of_legs``) or the leg of
the CCP the model stands for (``own_leg``), 0 when base_k = 0 and exactly 0 when the two differ
by no more than ``tol`` × base_k; applied = min(s_FICC, s_CME, cap), 0 when either ≤ 0 (do no
harm); FICC requirement = M_FICC-model(F) × (1 − applied), CME requirement = M_CME-model(C) ×
(1 − applied); ineligible margins are added outside the arrangement.
"""

from __future__ import annotations


def savings(combined: float, base: float, tol: float) -> float:
    if base <= 0:
        return 0.0
    if abs(base - combined) <= tol * base:
        return 0.0
    return 1.0 - combined / base


def account(legs: dict, cap: float, basis: str, ficc_model: str, cme_model: str, tol: float):
    """``legs[model]`` = (ficc_leg, cme_leg, combined, ineligible_ficc, ineligible_cme) [USD]."""
    f_leg, _, f_comb, in_f, _ = legs[ficc_model]
    _, c_leg, c_comb, _, in_c = legs[cme_model]
    if basis == "own_leg":
        s_ficc = savings(f_comb, f_leg, tol)
        s_cme = savings(c_comb, c_leg, tol)
    else:
        s_ficc = savings(f_comb, legs[ficc_model][0] + legs[ficc_model][1], tol)
        s_cme = savings(c_comb, legs[cme_model][0] + legs[cme_model][1], tol)
    if s_ficc <= 0 or s_cme <= 0:
        applied = 0.0
    else:
        applied = min(s_ficc, s_cme, cap)
    ficc_alone = legs[ficc_model][0]
    cme_alone = legs[cme_model][1]
    before = ficc_alone + cme_alone + in_f + in_c
    ficc_req = ficc_alone * (1 - applied)
    cme_req = cme_alone * (1 - applied)
    after = ficc_req + cme_req + in_f + in_c
    return {
        "savings_ficc_model": s_ficc,
        "savings_cme_model": s_cme,
        "applied": applied,
        "ficc_requirement": ficc_req,
        "cme_requirement": cme_req,
        "total_before": before,
        "total_after": after,
        "savings_usd": before - after,
    }
