"""A strict parser for the OpenMetrics 1.0 text format, written from the
specification's ABNF and its MUST rules, to check what mirrortop prints.

    from openmetrics import parse, ParseError
    families = parse(text)      # {name: Family}; raises ParseError
    families["mirrortop_versions"].samples  # [(name, {labels}, value)]

Covered: the ABNF (metric and label names, escaped strings, numbers,
timestamps, exemplars, "# EOF" last, LF line ends, UTF-8 without BOM),
one TYPE/UNIT/HELP each per family (TYPE, UNIT, HELP order is a SHOULD and
not enforced), a UNIT that is the name's suffix, families and metrics not
interleaved, sample names that fit their family's type (counter _total and
_created, info _info with value 1, gauge/stateset/unknown without a
suffix, histogram/summary suffixes), unique label names, no reserved
(leading "__") label names, unique label sets within a family, stateset
values 0/1, no sample name that could belong to two families.
"""
import math
import re


class ParseError(ValueError):
    def __init__(self, lineno, msg):
        super().__init__("line %d: %s" % (lineno, msg))
        self.lineno = lineno


METRICNAME = r"[A-Za-z_:][A-Za-z0-9_:]*"
LABELNAME = r"[A-Za-z_][A-Za-z0-9_]*"
REALNUMBER = (r"[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"
              r"|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?)")
NUMBER = r"(?:%s|[+-]?(?i:inf|infinity)|(?i:nan))" % REALNUMBER
TYPES = ("counter", "gauge", "histogram", "gaugehistogram", "stateset",
         "info", "summary", "unknown")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "summary": ("_count", "_sum", "_created", ""),
    "histogram": ("_count", "_sum", "_bucket", "_created"),
    "gaugehistogram": ("_gcount", "_gsum", "_bucket"),
    "info": ("_info",),
    "gauge": ("",),
    "stateset": ("",),
    "unknown": ("",),
}


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.unit = None
        self.help = None
        self.samples = []       # (sample name, labels dict, float value)
        self.metrics = []       # label sets (frozenset) in order seen

    def __repr__(self):
        return "Family(%s %s, %d samples)" % (self.name, self.type,
                                               len(self.samples))


def _unescape(s, lineno):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise ParseError(lineno, "dangling backslash")
            n = s[i + 1]
            out.append({"n": "\n", '"': '"', "\\": "\\"}.get(n, n))
            i += 2
        elif c in '\n"':
            raise ParseError(lineno, "unescaped %r" % c)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(s, lineno):
    """Parse '{a="x",b="y"}' at the start of s; returns (dict, rest)."""
    if not s.startswith("{"):
        return None, s
    labels, i = {}, 1
    if s[i:i + 1] == "}":
        return labels, s[i + 1:]
    while True:
        m = re.match(LABELNAME, s[i:])
        if not m:
            raise ParseError(lineno, "bad label name at %r" % s[i:i + 20])
        name = m.group(0)
        i += len(name)
        if s[i:i + 2] != '="':
            raise ParseError(lineno, "expected =\" after label %s" % name)
        i += 2
        j = i
        while j < len(s) and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        if j >= len(s):
            raise ParseError(lineno, "unterminated label value")
        value = _unescape(s[i:j], lineno)
        if name in labels:
            raise ParseError(lineno, "label %s twice" % name)
        if name.startswith("__"):
            raise ParseError(lineno, "reserved label name %s" % name)
        labels[name] = value
        i = j + 1
        if s[i:i + 1] == ",":
            i += 1
            continue
        if s[i:i + 1] == "}":
            return labels, s[i + 1:]
        raise ParseError(lineno, "expected , or } in labels")


def _number(s, lineno, what="value"):
    if not re.fullmatch(NUMBER, s):
        raise ParseError(lineno, "bad %s %r" % (what, s))
    v = float(s)
    return v


def _family_of(sample, families, current):
    """The family a sample name belongs to (the current one if it fits)."""
    if current is not None:
        for suf in SUFFIXES[current.type or "unknown"]:
            if sample == current.name + suf:
                return current, suf
    return None, None


def parse(text):
    if isinstance(text, bytes):
        if text.startswith(b"\xef\xbb\xbf"):
            raise ParseError(1, "byte order mark")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(1, "not UTF-8: %s" % e)
    if "\r" in text:
        raise ParseError(text[:text.index("\r")].count("\n") + 1,
                         "carriage return")
    if not text.endswith("# EOF\n") and not text.endswith("# EOF"):
        raise ParseError(text.count("\n") + 1, "does not end with # EOF")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    families, order = {}, []
    current = None
    seen_sample_in_current = False
    last_labelset = None
    done_labelsets = set()
    for lineno, line in enumerate(lines, 1):
        if line == "# EOF":
            if lineno != len(lines):
                raise ParseError(lineno, "# EOF before the end")
            break
        if line.startswith("#"):
            m = re.fullmatch(r"# (TYPE|HELP|UNIT) (%s)(?: (.*))?" % METRICNAME,
                             line)
            if not m:
                raise ParseError(lineno, "bad comment line %r" % line)
            kind, name, rest = m.group(1), m.group(2), m.group(3)
            if current is None or current.name != name:
                if name in families:
                    raise ParseError(lineno, "family %s interleaved" % name)
                current = Family(name)
                families[name] = current
                order.append(name)
                seen_sample_in_current = False
                last_labelset = None
                done_labelsets = set()
            elif seen_sample_in_current:
                raise ParseError(lineno, "metadata after samples of %s"
                                 % name)
            if kind == "TYPE":
                if current.type is not None:
                    raise ParseError(lineno, "second TYPE for %s" % name)
                if rest not in TYPES:
                    raise ParseError(lineno, "bad type %r" % rest)
                current.type = rest
            elif kind == "UNIT":
                if current.unit is not None:
                    raise ParseError(lineno, "second UNIT for %s" % name)
                rest = rest or ""
                if not re.fullmatch(r"[A-Za-z0-9_:]*", rest):
                    raise ParseError(lineno, "bad unit %r" % rest)
                if rest and not name.endswith("_" + rest):
                    raise ParseError(lineno, "unit %s is not a suffix of %s"
                                     % (rest, name))
                current.unit = rest
            else:
                if current.help is not None:
                    raise ParseError(lineno, "second HELP for %s" % name)
                current.help = _unescape(rest or "", lineno)
            continue
        m = re.match(METRICNAME, line)
        if not m:
            raise ParseError(lineno, "bad sample line %r" % line)
        sname = m.group(0)
        labels, rest = _labels(line[len(sname):], lineno)
        labels = labels or {}
        parts = rest.split(" # ", 1)
        fields = parts[0].split(" ")
        if fields[0] != "" or len(fields) not in (2, 3):
            raise ParseError(lineno, "expected ' value [timestamp]'")
        value = _number(fields[1], lineno)
        if len(fields) == 3:
            if not re.fullmatch(REALNUMBER, fields[2]):
                raise ParseError(lineno, "bad timestamp %r" % fields[2])
        if len(parts) == 2:
            ex, exrest = _labels(parts[1], lineno)
            if ex is None or not re.fullmatch(
                    r" %s(?: %s)?" % (NUMBER, REALNUMBER), exrest):
                raise ParseError(lineno, "bad exemplar")
        fam, suf = _family_of(sname, families, current)
        if fam is None:
            # A sample without metadata starts an unknown-typed family.
            if sname in families:
                raise ParseError(lineno, "family %s interleaved" % sname)
            fam = current = Family(sname)
            fam.type = None
            families[sname] = fam
            order.append(sname)
            last_labelset = None
            done_labelsets = set()
            suf = ""
        seen_sample_in_current = True
        ftype = fam.type or "unknown"
        key = frozenset((k, v) for k, v in labels.items()
                        if not (k in ("le", "quantile") or
                                (ftype == "stateset" and k == fam.name)))
        if key != last_labelset:
            if key in done_labelsets:
                raise ParseError(lineno, "metric %s%r interleaved"
                                 % (fam.name, dict(key)))
            if last_labelset is not None:
                done_labelsets.add(last_labelset)
            last_labelset = key
            fam.metrics.append(key)
        if ftype == "info" and value != 1:
            raise ParseError(lineno, "info value must be 1")
        if ftype == "stateset":
            if fam.name not in labels:
                raise ParseError(lineno, "stateset sample without its label")
            if value not in (0, 1):
                raise ParseError(lineno, "stateset value must be 0 or 1")
        if ftype == "counter" and suf == "_total" and (
                math.isnan(value) or value < 0):
            raise ParseError(lineno, "counter total must be >= 0")
        fam.samples.append((sname, labels, value))
    else:
        raise ParseError(len(lines), "no # EOF")
    # No family's name may be a sample name of another family.
    names = {}
    for n in order:
        f = families[n]
        for suf in SUFFIXES[f.type or "unknown"]:
            other = names.setdefault(n + suf, n)
            if other != n:
                raise ParseError(0, "families %s and %s clash on %s"
                                 % (other, n, n + suf))
    return families
