"""The demo partnership: agency names, themes and review wording drawn from the public Kirklees
documents in shared/corpus (annual assurance statement 2019-20, commissioner's report 2017)."""

AGENCIES = [
    (
        "Kirklees Council Children's Services",
        "Children's Services",
        "local_authority",
        "Director of Children's Services\nchildren's social care\nthe Council",
    ),
    ("West Yorkshire Police", "Police", "police", "Police\nthe police"),
    (
        "Kirklees Clinical Commissioning Groups",
        "CCG",
        "statutory_partner",
        "Clinical Commissioning Group\nCCG\nintegrated care board",
    ),
    ("Calderdale and Huddersfield NHS Foundation Trust", "CHFT", "health", "CHFT"),
    ("Mid Yorkshire Hospitals NHS Trust", "MYHT", "health", "Mid Yorkshire Hospitals"),
    ("Locala Community Partnerships", "Locala", "health", "health visiting\nschool nursing"),
    (
        "South West Yorkshire Partnership NHS Foundation Trust",
        "SWYPFT",
        "health",
        "CAMHS\nmental health trust",
    ),
    ("Kirklees Learning Service (schools)", "Schools", "education", "schools\nhead teachers"),
    ("National Probation Service", "Probation", "other", "probation"),
    (
        "Kirklees Youth Justice Service",
        "Youth Justice",
        "local_authority",
        "Youth Offending Team\nYOT",
    ),
    (
        "Kirklees Safeguarding Children Partnership",
        "KSCP",
        "statutory_partner",
        "the Safeguarding Children Board\nthe Safeguarding Children Partnership\nLSCB\nthe Board",
    ),
    ("Community Safety Partnership", "CSP", "other", "Community Safety"),
]

THEMES = [
    ("Managing risk and effective decision making", "risk decision making"),
    ("Information sharing", "information exchange between agencies"),
    ("Neglect", "the impact of neglect in families"),
    ("Disguised compliance and resistant families", "resistant families, disguised compliance"),
    ("Children's mental health and emotional wellbeing", "self-harm, suicide, CAMHS"),
    ("Domestic abuse", ""),
    ("Parental mental health and substance misuse", "the toxic trio"),
    ("Voice of the child", "hearing and recording what the child says and shows"),
    ("Professional curiosity", "over-optimistic thinking, respectful uncertainty"),
    ("Escalation", "challenging decisions between agencies"),
    ("Thresholds", ""),
    ("Pre-birth assessment and under-ones", ""),
    ("Safer sleeping and SUDI", "sudden unexpected death in infancy"),
    ("Child sexual abuse", ""),
    ("Child sexual and criminal exploitation", "CSE, CCE, county lines"),
    ("Serious youth violence", ""),
    ("Missing children", ""),
    ("Involvement of fathers", "hidden men"),
    ("Young people as parents", ""),
    ("Assessment, planning and chronologies", ""),
    ("Supervision and workforce", ""),
]
