/** Lower case, without accents: "Océan" is found by typing "ocean". */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

/** Filter as you type: every word of `query` appears in the name or the description. */
export function matchesFilter(query: string, ...texts: (string | undefined)[]): boolean {
  const haystack = fold(texts.filter(Boolean).join(" "));
  return fold(query)
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}
