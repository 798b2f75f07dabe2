"""What the tests send: sample files, answers and forms (one place for all of them).

Answers are those of the basic catalog's 我要开便利店 (STORE) unless their name says which
bundle of the demo catalog they answer."""

from __future__ import annotations

# --- files: the smallest bytes the platform takes for what they are (by content) ---------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# --- the applicant's form (STORE) -------------------------------------------------------
ID_NUMBER = "11010519491231002X"  # a valid 居民身份证号 (its check digit is right)
FORM = {"applicant_name": "张三", "id_number": ID_NUMBER}
FORM_500 = {**FORM, "shop_area": 500}  # the form of the shop of FOOD_AND_SIGN

# --- answers (STORE) ---------------------------------------------------------------------
OWNED = {"premises": "owned", "sells_food": False, "shop_area": 10}  # REG only
RENTED = {"premises": "rented", "sells_food": False, "shop_area": 10}  # REG only, a lease
# REG, then SIGN: the two stages of a real server's traffic
OWNED_WITH_SIGN = {"premises": "owned", "sells_food": False, "shop_area": 100,
                   "extras": ["sign"]}
# rented, food and a sign: 3 materials to submit, licences from several departments
FOOD_AND_SIGN = {"premises": "rented", "sells_food": True, "shop_area": 500,
                 "extras": ["sign"]}
# every item of the bundle
FULL = {"premises": "rented", "sells_food": True, "sells_tobacco": True, "shop_area": 500,
        "extras": ["sign"]}

# --- answers of the demo catalog ---------------------------------------------------------
# 新生儿出生一件事 (NEWBORN_BIRTH), parents married, the household local
NEWBORN = {"parents_married": True, "household_place": "local", "sign_family_doctor": False,
           "want_social_security_card": False}

# 工程建设项目审批一件事 (CONSTRUCTION_PERMIT): its heaviest situation, every stage at its
# fullest (20 items of 7 departments) — a government-invested civil building on allocated land
# with a basement, a 特殊建设工程 with an EIA report, 6 ha of land, road works, site drainage
CONSTRUCTION_HEAVIEST = {"investment": "government", "land": "allocated",
                         "project_kind": "civil", "has_basement": True, "special_fire": True,
                         "eia": "report", "site_area": 60000, "dig_road": True,
                         "drains_to_sewer": True}
# a company's factory on land bought at auction: filed, not approved; no basement; 0.8 ha
CONSTRUCTION_FACTORY = {"investment": "enterprise", "land": "transferred",
                        "project_kind": "industrial", "has_basement": False, "site_area": 8000}
# a 简易低风险 warehouse of a company on its own land, under 0.5 ha, no drainage permit
CONSTRUCTION_LOW_RISK = {"investment": "enterprise", "land": "own", "project_kind": "low_risk",
                         "has_basement": False, "site_area": 3000, "drains_to_sewer": False}
