"""Red-flag phrasings for the intake tests: three ways to say each flag, and the same flag
denied, hedged and about someone else (none of which may count as the flag)."""

from __future__ import annotations

from typing import NamedTuple


class Phrasings(NamedTuple):
    """How lifters say one red flag."""

    positive: tuple[str, str, str]
    negated: str
    hedged: str
    other_person: str


RED_FLAG_PHRASINGS: dict[str, Phrasings] = {
    "saddle_numbness": Phrasings(
        (
            "my groin feels numb since the deadlift",
            "cant feel it when i wipe",
            "pins and needles round my bum and inner thighs",
        ),
        "no numbness in my groin",
        "not sure if my groin is numb",
        "my mate had a numb groin after squats",
    ),
    "bladder_sensation_reduced": Phrasings(
        (
            "cant tell when i need to pee anymore",
            "i dont know when my bladder is full",
            "cant feel myself peeing",
        ),
        "i can still tell when i need to pee, no issues",
        "maybe i cant tell when i need to pee",
        "my uncle cant feel the urge to pee since his op",
    ),
    "difficulty_passing_urine": Phrasings(
        (
            "really hard to pee since yesterday",
            "weak stream and cant empty my bladder",
            "struggling to start peeing",
        ),
        "no trouble peeing",
        "might be struggling to pee a bit, not sure",
        "my brother has trouble peeing",
    ),
    "urinary_incontinence_new": Phrasings(
        (
            "i pissed myself at the gym",
            "leaking pee since the injury",
            "lost control of my bladder last night",
        ),
        "havent wet myself or anything",
        "worried i might wet myself",
        "my nan wets herself, my mum had incontinence",
    ),
    "bowel_incontinence_new": Phrasings(
        ("shat myself on the way home", "cant control my bowels", "cant feel when i need a poo"),
        "no bowel accidents, bowels normal",
        "scared i might lose bowel control",
        "my grandad had bowel incontinence",
    ),
    "new_sexual_dysfunction": Phrasings(
        (
            "cant get it up since the injury",
            "sex feels numb now",
            "erection problems since my back went",
        ),
        "no erection problems",
        "not sure if i have erection problems",
        "my mate has erectile dysfunction",
    ),
    "bilateral_leg_symptoms": Phrasings(
        (
            "shooting pain down both legs",
            "both my feet are tingling",
            "pins and needles in both legs",
        ),
        "nothing in both legs, only the right one",
        "maybe pain down both legs sometimes",
        "my friend had pain down both legs",
    ),
    "chest_pain": Phrasings(
        ("chest pain when i lifted", "my chest feels tight", "pressure in my chest"),
        "no chest pain",
        "possibly chest pain but probably just the bench",
        "my dad had chest pain last year",
    ),
    "significant_trauma": Phrasings(
        ("fell off a ladder on my back", "car crash on sunday", "got pinned under the bar"),
        "didnt fall or anything",
        "might have had a fall, cant remember",
        "my brother had a car crash",
    ),
    "fever_or_unwell": Phrasings(
        ("ive got a fever", "feeling unwell with chills", "night sweats all week"),
        "no fever",
        "maybe a fever",
        "my wife has a fever",
    ),
    "iv_drug_use": Phrasings(
        ("i inject test", "pinning tren twice a week", "i use iv drugs"),
        "i dont inject anything",
        "might start injecting test",
        "my mate injects steroids",
    ),
    "immunosuppressed": Phrasings(
        ("im immunosuppressed", "on methotrexate for my arthritis", "had a kidney transplant"),
        "not immunosuppressed",
        "not sure if im immunocompromised",
        "my mum is immunosuppressed",
    ),
    "history_of_cancer": Phrasings(
        ("had cancer 5 years ago", "treated for lymphoma", "had a melanoma removed"),
        "never had cancer",
        "worried about cancer",
        "my dad had cancer",
    ),
    "unexplained_weight_loss": Phrasings(
        ("losing weight without trying", "lost 6kg for no reason", "weight is falling off me"),
        "no weight loss",
        "maybe losing weight without trying",
        "my uncle lost weight without trying",
    ),
    "long_term_steroids": Phrasings(
        ("on prednisolone for years", "steroid tablets for my asthma", "i take prednisone"),
        "not on steroid tablets",
        "might go on prednisolone",
        "my mum takes prednisolone",
    ),
    "osteoporosis": Phrasings(
        ("i have osteoporosis", "diagnosed with brittle bones", "low bone density"),
        "no osteoporosis",
        "could i have osteoporosis",
        "my nan has osteoporosis",
    ),
    "back_swelling_or_deformity": Phrasings(
        ("theres a lump on my spine", "my back looks crooked now", "swelling on my back"),
        "no lump or swelling",
        "maybe a lump on my back",
        "my friend had a lump on his spine",
    ),
    "thoracic_pain": Phrasings(
        (
            "pain between my shoulder blades",
            "mid back pain after rows",
            "upper back pain since sunday",
        ),
        "no pain between my shoulder blades",
        "possibly upper back pain",
        "my mate had pain between his shoulder blades",
    ),
    "leg_weakness": Phrasings(
        ("my left leg feels weak", "leg is getting weaker every day", "weakness in my right foot"),
        "no weakness in my legs",
        "maybe my leg feels weak",
        "my dad has a weak leg",
    ),
    "foot_drop": Phrasings(
        ("i have foot drop", "cant walk on my heels", "my foot slaps when i walk"),
        "no foot drop",
        "might be foot drop",
        "a guy at my gym got foot drop",
    ),
    "gait_disturbance": Phrasings(
        ("keep tripping over", "my knee gives way", "walking funny since it happened"),
        "not tripping or anything",
        "maybe walking funny",
        "my brother keeps tripping",
    ),
    "pain_below_knee": Phrasings(
        ("pain goes down to my calf", "hurts past my knee", "pain all the way down my leg"),
        "doesnt go past my knee",
        "might go past my knee",
        "my mate had pain past his knee",
    ),
    "burning_or_electric_leg_pain": Phrasings(
        ("sciatica down my left leg", "shooting pain down my leg", "electric shocks down my leg"),
        "no sciatica",
        "could it be sciatica",
        "my mate had sciatica",
    ),
    "numbness_tingling": Phrasings(
        ("my left foot is numb", "pins and needles in my leg", "tingling in my toes"),
        "no numbness or tingling",
        "maybe some tingling in my foot",
        "my wife has a numb foot",
    ),
    "worse_with_rest": Phrasings(
        ("its worse when i rest", "lying down makes it worse", "hurts even lying still"),
        "not worse when i rest",
        "maybe worse when i rest",
        "my dad says his is worse lying down",
    ),
    "constant_night_pain": Phrasings(
        ("it hurts all night", "cant sleep because of the pain", "night pain every night"),
        "no night pain",
        "might be night pain",
        "my mum had night pain",
    ),
    "pain_worse_cough_sneeze": Phrasings(
        ("sneezing kills", "hurts when i cough", "coughing is agony"),
        "sneezing doesnt hurt",
        "maybe it hurts when i sneeze",
        "my mate says sneezing kills him",
    ),
}
