"""Russian names of the machine ids that reach readers (SPEC §1: user-facing text is in Russian):
rule ids of reasons and flags, school statuses, deficit criteria, and the columns of the published
tables as the changes page and `make diff` name them. One place for the site, the report forms and
the diff."""

from __future__ import annotations

RULES = {
    "below_basic_pct": "доля участников ниже базового уровня, %",
    "basic_tasks_pct": "выполнение заданий базового уровня, %",
    "schools_in_risk_pct": "доля школ в зоне риска среди классифицированных, %",
    "too_few": "участников слишком мало для классификации",
    "advanced_over_basic": "задания повышенного уровня выполнены намного лучше, чем в регионе, "
    "а базового — не лучше региона",
    "threshold_peak": "необычно много участников ровно на пороге базового уровня",
    "identical_answers": "много участников с одинаковым набором баллов по заданиям",
}
# a hidden group's risk classification that is not published, and why (pages.Site._withhold_risk)
RISK_WITHHELD = {
    "Школа": "Отнесение школы к зоне риска",
    "Муниципалитет": "Отнесение муниципалитета к зоне риска",
}
RISK_WITHHELD_WHY = (
    "участников так мало, что по нему можно было бы узнать, сколько из них ниже базового уровня"
)
STATUS_SHORT = {"accepted": "принята", "rejected": "отклонена", "missing": "нет файла"}
CRITERIA = {
    "below_norm": "ниже нормы выполнения",
    "below_region": "намного ниже региона",
    "shared_by_schools": "общий для многих школ муниципалитета",
}
COLUMNS = {
    "schools": "школ в реестре",
    "schools_accepted": "школ с принятыми данными",
    "schools_rejected": "школ с отклонёнными файлами",
    "schools_missing": "школ без файла",
    "schools_classified": "классифицированных школ",
    "schools_in_risk": "школ в зоне риска",
    "schools_in_risk_pct": "доля школ в зоне риска, %",
    "municipalities": "муниципалитетов",
    "municipalities_classified": "классифицированных муниципалитетов",
    "municipalities_in_risk": "муниципалитетов в зоне риска",
    "participants": "участников",
    "absent": "отсутствовали",
    "participation_pct": "доля участвовавших, %",
    "mean_score": "средний балл",
    "median_score": "медиана балла",
    "sd_score": "стандартное отклонение балла",
    "below_basic": "ниже базового уровня, чел.",
    "basic": "базовый уровень, чел.",
    "above_basic": "выше базового уровня, чел.",
    "below_basic_pct": "ниже базового уровня, %",
    "basic_pct": "базовый уровень, %",
    "above_basic_pct": "выше базового уровня, %",
    "below_basic_ci_low": "ниже базового уровня, % — нижняя граница 95-процентного интервала",
    "below_basic_ci_high": "ниже базового уровня, % — верхняя граница 95-процентного интервала",
    "basic_ci_low": "базовый уровень, % — нижняя граница 95-процентного интервала",
    "basic_ci_high": "базовый уровень, % — верхняя граница 95-процентного интервала",
    "above_basic_ci_low": "выше базового уровня, % — нижняя граница 95-процентного интервала",
    "above_basic_ci_high": "выше базового уровня, % — верхняя граница 95-процентного интервала",
    "basic_tasks_pct": "выполнение заданий базового уровня, %",
    "advanced_tasks_pct": "выполнение заданий повышенного уровня, %",
    "max": "максимальный балл",
    "completion_pct": "выполнение, %",
    "municipality_pct": "выполнение в муниципалитете, %",
    "region_pct": "выполнение в регионе, %",
    "diff_municipality_pp": "разница с муниципалитетом, п. п.",
    "diff_region_pp": "разница с регионом, п. п.",
    "students": "участников",
    "difficulty": "решаемость (средний балл / максимум)",
    "discrimination": "различающая способность",
    "alpha": "альфа Кронбаха варианта",
    "alpha_if_deleted": "альфа Кронбаха без этого задания",
    # reasons.csv: the value a rule compared and its threshold (two-condition rules: both)
    "value": "значение",
    "threshold": "порог",
    "value2": "значение второго условия",
    "threshold2": "порог второго условия",
}


def rule(rule_id: str) -> str:
    return RULES.get(rule_id, rule_id)


def rules(ids: str, sep: str = "; ") -> str:
    """«below_basic_pct;basic_tasks_pct» → the Russian names joined by `sep` ('' stays '')."""
    return sep.join(rule(i) for i in ids.split(";") if i)


# The key and text columns of the downloads, with their values (XLSX sheet «Столбцы», with
# COLUMNS for the numbers): a municipal specialist opening schools.xlsx reads what `suppressed`
# or `risk` is (machine-readable names stay English, SPEC §1).
KEY_COLUMNS = {
    "municipality_code": "код муниципалитета (МО)",
    "municipality": "муниципалитет",
    "school_code": "код образовательной организации (ОО)",
    "school_name": "наименование ОО",
    "settlement": "тип местности: город / село",
    "status": "статус файла школы: accepted — принят, rejected — отклонён, missing — нет файла",
    "risk": "зона риска: 1 — в зоне риска, 0 — нет, пусто — не классифицирован",
    "risk_reasons": "основания зоны риска (коды правил через «;», см. «Методика»)",
    "objectivity_checked": "признаки необъективности проверялись: 1 — да, 0 — нет",
    "objectivity_flags": "признаки необъективности (коды правил через «;», см. «Методика»)",
    "suppressed": "результаты скрыты: primary — участников меньше порога, secondary — скрыты "
    "дополнительно, чтобы их нельзя было вычислить из итогов, parent — вместе с группой; "
    "пусто — опубликованы",
    "scope": "уровень: region — регион, municipality — муниципалитет, school — школа",
    "code": "код муниципалитета или ОО (для региона пусто)",
    "class": "класс",
    "task": "номер задания",
    "level": "уровень задания: basic — базовый, advanced — повышенный",
    "result": "код планируемого результата",
    "total": "первичный балл",
    "variant": "вариант",
    "flag": "замечание к заданию по его статистике",
    "kind": "вид основания: risk — зона риска, objectivity — признак необъективности",
    "rule": "код правила (см. «Методика»)",
    "comparison": "сравнение значения с порогом",
    "comparison2": "сравнение во втором условии",
    "criterion": "почему задание — дефицит: below_norm — ниже нормы, below_region — намного ниже "
    "региона, shared_by_schools — общий для многих школ",
    "schools_share_pct": "доля школ муниципалитета с этим дефицитом, %",
    "audience": "кому: teachers — учителям, administration — администрации, municipality — "
    "муниципалитету",
    "topic": "тема: код планируемого результата или правила",
    "text": "текст рекомендации",
    "file": "файл (путь в папке присланных файлов)",
    "sheet": "лист",
    "cell": "ячейка",
    "severity": "важность: error — ошибка, warning — предупреждение, info — сведения",
    "message": "что не так",
    "path": "входной файл",
    "sha256": "контрольная сумма файла (SHA-256)",
    "bytes": "размер, байт",
}
