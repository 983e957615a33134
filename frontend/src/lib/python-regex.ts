/**
 * KubeSpawner checks `unlisted_choice.validation_regex` with Python's `re.match(rx, value)`
 * (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3718-L3722): anchored at the start only. The page mirrors that so users hear about a
 * bad value before the hub refuses it; the hub checks again, so a pattern JS cannot compile never
 * blocks anyone.
 */

const INLINE_FLAGS = /^\(\?([aiLmsux]+)\)/;

/** Rewrites the Python-only syntax admins actually use into its JS equivalent. */
export function translatePythonRegex(source: string): { source: string; flags: string } {
  let flags = "";
  const inline = INLINE_FLAGS.exec(source);
  if (inline) {
    // Python allows global flags only at the start; JS has them as RegExp flags.
    for (const flag of inline[1] ?? "") if ("ims".includes(flag)) flags += flag;
    source = source.slice(inline[0].length);
  }
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") {
      const next = source[i + 1] ?? "";
      // \A and \Z are Python's absolute anchors; \Z does not match before a trailing newline.
      out += next === "A" ? "^" : next === "Z" ? "$(?![\\s\\S])" : char + next;
      i++;
    } else if (source.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else if (source.startsWith("(?P=", i)) {
      const end = source.indexOf(")", i);
      if (end < 0) return { source: out + source.slice(i), flags };
      out += `\\k<${source.slice(i + 4, end)}>`;
      i = end;
    } else {
      out += char;
    }
  }
  return { source: out, flags };
}

/** A sticky RegExp equivalent to `re.match(source, …)`, or `null` when JS cannot compile it. */
export function compilePythonRegex(source: string): RegExp | null {
  const translated = translatePythonRegex(source);
  // `u` first for correct Unicode handling; without it for identity escapes like `\-` that `u` refuses.
  for (const extra of ["uy", "y"]) {
    try {
      return new RegExp(translated.source, translated.flags + extra);
    } catch {
      // try the next flag set
    }
  }
  return null;
}

/** `true`/`false` as Python's `re.match` would decide; `null` when the pattern cannot be checked here. */
export function pythonReMatch(source: string, value: string): boolean | null {
  const regex = compilePythonRegex(source);
  if (!regex) return null;
  regex.lastIndex = 0;
  return regex.test(value);
}
