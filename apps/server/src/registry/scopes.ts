/** One entry of a token's `access` claim: actions on a named resource. */
export interface RegistryAccess {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses the `scope` parameters of a token request (`repository:acme/web:pull,push`, several per parameter
 * when space-separated). The name may itself hold colons (`repository:host:5000/x:pull` is not valid for
 * distribution, but `registry:catalog:*` is), so type is up to the first colon and actions after the last.
 * Returns null for a malformed scope.
 */
export function parseScopes(params: string[]): RegistryAccess[] | null {
  const out: RegistryAccess[] = [];
  for (const scope of params.flatMap((p) => p.split(" ")).filter(Boolean)) {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    if (first <= 0 || last === first) return null;
    const name = scope.slice(first + 1, last);
    const actions = scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean);
    if (name === "" || actions.length === 0) return null;
    out.push({ type: scope.slice(0, first), name, actions: [...new Set(actions)] });
  }
  return out;
}
