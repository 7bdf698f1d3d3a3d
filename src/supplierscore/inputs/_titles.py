"""Column titles for people, in English and French: row 1 of every sheet ``template`` and ``convert``
write. The reader never looks at them (row 2's field paths are what it keys on)."""

from __future__ import annotations

LANGUAGES = ("en", "fr")

TITLES: dict[str, tuple[str, str]] = {
    "tender.id": ("Tender id", "N° de l'appel d'offres"),
    "tender.title": ("Tender title", "Titre de l'appel d'offres"),
    "tender.closing_date": ("Closing date", "Date de clôture"),
    "tender.budget.amount": ("Budget", "Budget"),
    "tender.budget.currency": ("Budget currency", "Devise du budget"),
    "tender.currency": ("Currency of bids", "Devise des soumissions"),
    "tender.buyer": ("Buyer", "Acheteur"),
    "id": ("Bid id", "N° de soumission"),
    "bid.id": ("Bid id", "N° de soumission"),
    "submitted_at": ("Submitted at (with offset)", "Déposée le (avec décalage horaire)"),
    "supplier.id": ("Supplier id", "N° du fournisseur"),
    "supplier.name": ("Supplier name", "Nom du fournisseur"),
    "supplier.country": ("Country", "Pays"),
    "supplier.size": ("Size", "Taille"),
    "price.amount": ("Price", "Prix"),
    "price.currency": ("Price currency", "Devise du prix"),
    "ownership.immigrant": ("Immigrant ownership %", "Propriété immigrante %"),
    "ownership.women": ("Women ownership %", "Propriété féminine %"),
    "ownership.disability": (
        "Ownership by people with disabilities %",
        "Propriété de personnes handicapées %",
    ),
    "ownership.indigenous": ("Indigenous ownership %", "Propriété autochtone %"),
    "ownership.racialized": ("Racialized ownership %", "Propriété racisée %"),
    "ownership.lgbtq": ("2SLGBTQI+ ownership %", "Propriété 2SLGBTQI+ %"),
    "ownership.veteran": ("Veteran ownership %", "Propriété d'anciens combattants %"),
    "ownership.youth": ("Youth ownership %", "Propriété de jeunes %"),
    "ownership.social_enterprise": ("Social enterprise", "Entreprise sociale"),
    "workforce.employees": ("Employees", "Employés"),
    "workforce.immigrants": ("Immigrant employees", "Employés immigrants"),
    "workforce.newcomer_hires_12m": ("Newcomers hired (12 months)", "Nouveaux arrivants embauchés (12 mois)"),
    "workforce.living_wage": ("Pays a living wage", "Verse un salaire de subsistance"),
    "workforce.lowest_hourly_wage": ("Lowest hourly wage", "Salaire horaire le plus bas"),
    "workforce.inclusive_hiring_policy": ("Inclusive hiring policy", "Politique d'embauche inclusive"),
    "workforce.credential_recognition": (
        "Recognises foreign credentials",
        "Reconnaît les diplômes étrangers",
    ),
    "workforce.language_training": ("Language training", "Formation linguistique"),
    "workforce.apprentices": ("Apprentices", "Apprentis"),
    "languages": ("Languages served (en; fr)", "Langues de service (en; fr)"),
    "certifications.issuer": ("Certifier", "Organisme de certification"),
    "certifications.id": ("Certificate number", "N° du certificat"),
    "certifications.covers": ("Groups covered", "Groupes visés"),
    "certifications.valid_from": ("Valid from", "Valide du"),
    "certifications.valid_until": ("Valid until", "Valide jusqu'au"),
    "supply_chain.subcontracts.supplier_name": ("Subcontractor", "Sous-traitant"),
    "supply_chain.subcontracts.share_pct": ("Share of contract %", "Part du contrat %"),
    "supply_chain.subcontracts.owned_by": ("Owned by", "Propriété de"),
    "supply_chain.subcontracts.certification": (
        "Subcontractor certification",
        "Certification du sous-traitant",
    ),
}

WORDS: dict[str, tuple[str, str]] = {
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "quality": ("Quality mark", "Note de qualité"),
    "sheet": ("Sheet", "Feuille"),
    "column": ("Column", "Colonne"),
    "path": ("Field path (row 2)", "Chemin du champ (ligne 2)"),
    "title": ("Title (row 1)", "Titre (ligne 1)"),
    "required": ("Required", "Obligatoire"),
    "type": ("What to type", "Quoi saisir"),
    "scored": ("Scored by the ruleset", "Noté par le barème"),
    "meaning": ("Meaning", "Signification"),
}


def title(path: str, language: str) -> str:
    """The title of the column with field path ``path`` in ``language`` (``en`` or ``fr``)."""
    which = LANGUAGES.index(language)
    if path in TITLES:
        return TITLES[path][which]
    if path.startswith("quality."):
        return f"{WORDS['quality'][which]}: {path.removeprefix('quality.')}"
    return path


def word(key: str, language: str) -> str:
    """A word of the workbook's furniture in ``language``."""
    return WORDS[key][LANGUAGES.index(language)]
