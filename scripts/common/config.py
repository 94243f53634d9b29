"""Loading and validating the configuration: config/config.yaml and config/assessments/<id>.yaml.

Both files are checked against the JSON Schemas in config/schemas/. Each problem becomes one
line of a `ConfigError` naming the file and the key (every schema violation at once, so several
mistakes take one run to find), and the run stops with sentences, not a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
from collections.abc import Hashable
from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "config" / "schemas"


class ConfigError(Exception):
    """A configuration file that does not follow its schema: one Russian line per problem."""


def error_text(exc: ConfigError, prefix: str = "Ошибка настройки: ") -> str:
    """What the run prints: each problem on its own line, each line with `prefix`."""
    return "\n".join(prefix + line for line in str(exc).splitlines())


MAX_PROBLEMS = 20  # schema violations listed at once (the rest counted)
# a list item named by what it is and its id (a 0-based index alone would be misread)
ITEM_NAMES = {"tasks": "задание", "planned_results": "планируемый результат", "plan": "мероприятие"}


def _dates_to_iso(value):
    """YAML turns unquoted 2021-04-29 into a date; the schema wants the ISO string either way."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _dates_to_iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_iso(v) for v in value]
    return value


# libyaml's loader where PyYAML has it (10x faster: every job and every Snakemake start loads
# the schemas and the definitions); the same safe subset of YAML either way.
class DuplicateKey(ValueError):
    """A key written twice in one mapping: YAML would keep the second silently."""


# Keys whose values are codes, written as typed: a task id `5.10` or `1` without quotes is the
# text "5.10" / "1" (YAML would make them the numbers 5.1 and 1; the schema then said «должно быть
# текстом» — SPEC's example quotes them, a hand-written definition may not).
TEXT_KEYS = {"id", "result", "code"}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value in TEXT_KEYS
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.tag in _NUMBER_TAGS
                and not value_node.style  # plain, not quoted
            ):
                value_node.tag = "tag:yaml.org,2002:str"
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults`: YAML's own merge
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise DuplicateKey(
                    f"ключ в строке {key_node.start_mark.line + 1} — не имя, а список"
                )
            if key in seen:
                raise DuplicateKey(
                    f"ключ «{key}» указан дважды (строка {key_node.start_mark.line + 1})"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        """An unquoted date that cannot be (2021-02-30) stays the text typed: the schema check
        then names its key, as for the same date in quotes."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _UniqueKeyLoader.construct_yaml_timestamp
)
SAFE_LOADER = _UniqueKeyLoader


def _safe_load(text: str):
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


@functools.cache
def _schema_registry():
    # imported here: a job given an already validated definition never pays for jsonschema
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.yaml")):
        schema = _safe_load(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def validate(data: dict, schema_name: str, source: str) -> None:
    """Raise ConfigError with a line (`file: ключ «key»: problem`) for each schema violation, by
    key, at most MAX_PROBLEMS of them."""
    import jsonschema

    registry = _schema_registry()
    schema = registry.contents(schema_name)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(
        schema, registry=registry, format_checker=validator_cls.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        lines = list(
            dict.fromkeys(
                f"{source}: {_key('.'.join(map(str, e.absolute_path)))}{_item(e.absolute_path, data)}"
                f": {schema_message(e)}"
                for e in errors
            )
        )
        if len(lines) > MAX_PROBLEMS:
            lines = [*lines[:MAX_PROBLEMS], f"{source}: и ещё ошибок: {len(lines) - MAX_PROBLEMS}"]
        raise ConfigError("\n".join(lines))


def _item(path, data) -> str:
    """« (задание «5.1»)» for a key inside a list item: which one, by its id, not its index."""
    node, found = data, ""
    for i, part in enumerate(path):
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            parent = path[i - 1] if i else ""
            name = ITEM_NAMES.get(parent, "элемент")
            ident = None
            if isinstance(item, dict):
                ident = item.get("id", item.get("code", item.get("event")))
            if isinstance(ident, str) and len(ident) > 40:
                ident = ident[:39] + "…"
            # by its id (a plan's event by its text); else its place, counted as the list is read
            # (the key counts from 0: «plan.3» is the 4th)
            found = (
                f" ({name} «{ident}»)"
                if ident not in (None, "")
                else f" ({part + 1}-й {name} в списке)"
            )
        if isinstance(node, dict | list):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
    return found


def _key(key: str) -> str:
    return f"ключ «{key}»" if key else "верхний уровень файла"


TYPE_NAMES = {
    "integer": "целым числом",
    "number": "числом",
    "string": "текстом",
    "array": "списком",
    "object": "набором ключей",
    "boolean": "значением true или false",
    "null": "пустым",
}
FORMAT_NAMES = {"date": "существующей датой в виде ГГГГ-ММ-ДД"}


def _value(value) -> str:
    """A config value as the message quotes it: one line, at most 60 characters."""
    if value is None:
        return "«» (пусто)"
    text = value if isinstance(value, str) else repr(value)
    spaced = isinstance(value, str) and text != text.strip()
    text = " ".join(text.split())
    text = text if len(text) <= 60 else text[:57] + "…"
    if spaced:  # «18 » would read as «18»: say it
        return f"«{text}» (с пробелом в начале или в конце)"
    return f"«{text}»" if isinstance(value, str) else text


def schema_message(err) -> str:
    """A JSON Schema violation in Russian words (the analyst reads it, SPEC §1); the library's
    English text for a rule not listed here."""
    rule, want, got = err.validator, err.validator_value, err.instance
    if rule == "type":
        kinds = [want] if isinstance(want, str) else list(want)
        text = f"значение {_value(got)} должно быть " + " или ".join(
            TYPE_NAMES.get(k, k) for k in kinds
        )
        if "string" in kinds and isinstance(got, int | float) and not isinstance(got, bool):
            text += ' — возьмите его в кавычки: без них YAML читает 5.10 как число 5.1, а "5.10" — как текст'
        return text
    if rule == "required":
        missing = [k for k in want if isinstance(got, dict) and k not in got]
        return "нет обязательного ключа " + ", ".join(f"«{k}»" for k in missing or want)
    if rule == "additionalProperties":
        known = set((err.schema or {}).get("properties", {}))
        extra = sorted(k for k in (got if isinstance(got, dict) else {}) if k not in known)
        return "лишний ключ " + ", ".join(f"«{k}»" for k in extra) + " (такого ключа нет)"
    if rule == "enum":
        return f"значение {_value(got)} не из допустимых: " + ", ".join(map(_value, want))
    if rule == "const":
        return f"значение {_value(got)} должно быть {_value(want)}"
    if rule in ("minimum", "exclusiveMinimum"):
        sign = "не меньше" if rule == "minimum" else "больше"
        return f"значение {_value(got)} должно быть {sign} {want}"
    if rule in ("maximum", "exclusiveMaximum"):
        sign = "не больше" if rule == "maximum" else "меньше"
        return f"значение {_value(got)} должно быть {sign} {want}"
    if rule == "minItems":
        return f"элементов в списке должно быть не меньше {want}"
    if rule == "maxItems":
        return f"элементов в списке должно быть не больше {want}"
    if rule == "uniqueItems":
        return "значения в списке повторяются"
    if rule == "minLength":
        return "значение не должно быть пустым" if want == 1 else f"нужно не меньше {want} символов"
    if rule == "pattern":
        return f"значение {_value(got)} не подходит под образец {want}"
    if rule == "format":
        return f"значение {_value(got)} должно быть {FORMAT_NAMES.get(want, want)}"
    if rule in ("anyOf", "oneOf"):
        return f"значение {_value(got)} не подходит ни под один из допустимых видов"
    return f"не соответствует схеме ({err.message})"


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = _safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: файл не найден") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: файл не в кодировке UTF-8 — сохраните его как UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (строка {mark.line + 1}, позиция {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path}: файл не читается как YAML{where}") from None
    except DuplicateKey as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except ValueError as exc:  # a date YAML cannot hold: 2021-02-30
        raise ConfigError(
            f"{path}: значение не читается ({_value(str(exc))}): проверьте даты"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: на верхнем уровне файла должен быть набор ключей")
    return _dates_to_iso(data)


def deep_merge(base: dict, override: dict) -> dict:
    """A copy of `base` with `override`'s keys replacing it, nested mappings merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def unchecked_results(definition: dict) -> list[str]:
    """Codes of the codifier's planned results that no task of this work checks: allowed (the
    codifier may be the whole course's), but their rows carry no completion — the run says so."""
    used = {t["result"] for t in definition["tasks"]}
    return [r["code"] for r in definition["planned_results"] if r["code"] not in used]


def load_defaults(path: str | Path) -> dict:
    data = load_yaml(path)
    validate(data, "config.schema.yaml", str(path))
    check_complete_defaults(data, str(path))
    return data


def check_complete_defaults(data: dict, source: str) -> None:
    """config.yaml holds the defaults of every threshold (an assessment's `thresholds:` may
    override any one): a missing one stops the run here, not as an error deep in a stage."""
    schema = _schema_registry().contents("config.schema.yaml")  # parsed once, as by validate

    def walk(props: dict, got, path: str):
        for key, sub in props.items():
            where = f"{path}.{key}" if path else key
            if not isinstance(got, dict) or key not in got:
                raise ConfigError(
                    f"{source}: ключ «{where}»: не задан (в config.yaml нужны все пороги — это "
                    "значения по умолчанию для всех работ)"
                )
            if "properties" in sub:
                walk(sub["properties"], got[key], where)

    walk(schema["definitions"]["thresholds"]["properties"], data, "")


OPTIONAL_KEYS = ("marks", "thresholds", "reference_date", "plan")


def load_assessment(path: str | Path) -> dict:
    """The assessment definition, validated, with consistency checks the schema cannot express."""
    path = Path(path)
    data = load_yaml(path)
    if isinstance(data, dict):
        # an optional key written with nothing after it (every override commented out) is
        # as if it were not there
        for key in OPTIONAL_KEYS:
            if key in data and data[key] is None:
                del data[key]
    validate(data, "assessment.schema.yaml", str(path))
    if data["id"] != path.stem:
        raise ConfigError(
            f"{path}: ключ «id»: «{data['id']}» не совпадает с именем файла «{path.stem}»"
        )
    ids = [t["id"] for t in data["tasks"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(f"{path}: ключ «tasks»: задание «{dup[0]}» указано дважды")
    codes = [r["code"] for r in data["planned_results"]]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise ConfigError(
            f"{path}: ключ «planned_results»: код результата «{dup[0]}» указан дважды"
        )
    for i, task in enumerate(data["tasks"]):
        if task["result"] not in codes:
            raise ConfigError(
                f"{path}: ключ «tasks.{i}.result» (задание «{task['id']}»): нет планируемого "
                f"результата «{task['result']}» в «planned_results»"
            )
    top = {
        lvl: sum(t["max"] for t in data["tasks"] if t["level"] == lvl)
        for lvl in ("basic", "advanced")
    }
    for key, lvl in (("basic_min", "basic"), ("above_basic_min", "advanced")):
        if data["levels"][key] > top[lvl]:
            raise ConfigError(
                f"{path}: ключ «levels.{key}»: {data['levels'][key]} больше наибольшего возможного "
                f"балла за задания {'базового' if lvl == 'basic' else 'повышенного'} уровня "
                f"({top[lvl]}) — этот уровень недостижим"
            )
    marks = data.get("marks") or {}
    total = top["basic"] + top["advanced"]
    for mark, low in sorted(marks.items()):
        if low > total:
            raise ConfigError(
                f"{path}: ключ «marks.{mark}»: {low} больше наибольшего возможного балла ({total})"
            )
    if marks:
        bounds = [marks.get(m) for m in ("3", "4", "5") if m in marks]
        if bounds != sorted(bounds):
            raise ConfigError(
                f"{path}: ключ «marks»: наименьший балл должен расти от отметки 3 к 5"
            )
    return data


def thresholds(defaults: dict, assessment: dict) -> dict:
    """Thresholds in force for one assessment: config defaults overridden by its `thresholds:`."""
    keys = ("risk", "objectivity", "deficits", "privacy")
    base = {k: defaults[k] for k in keys}
    return deep_merge(base, assessment.get("thresholds") or {})


def task_ids(assessment: dict) -> list[str]:
    return [t["id"] for t in assessment["tasks"]]


def build_date() -> dt.date:
    """The date of this build: the day of SOURCE_DATE_EPOCH when it is set (reproducible builds),
    else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def plan_date(assessment: dict, today: dt.date | None = None) -> str:
    """The date the monitoring plan is judged against (SPEC §9: the build's date): the
    definition's `reference_date` when it fixes one, else the build's date — for an assessment
    without a plan its `date` (nothing depends on it, so nothing re-runs from one day to the
    next)."""
    if assessment.get("reference_date"):
        return str(assessment["reference_date"])
    if not assessment.get("plan"):
        return str(assessment["date"])
    return (today or build_date()).isoformat()
