import type { Command } from "commander";

/** A command of the tree, as completion needs it. */
interface Node {
  /** `env set`: the words that lead to it. */
  path: string;
  subcommands: { name: string; description: string }[];
  options: { flags: string[]; description: string; takesValue: boolean }[];
  /** Whether its first argument (or --service) names a service. */
  takesService: boolean;
}

/** Walks commander's tree (hidden commands left out) into nodes, the root first. */
export function completionTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (cmd: Command, path: string) => {
    const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    const options = [...cmd.options, ...(path === "" ? [] : [])].map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === "string"),
      description: o.description,
      takesValue: o.required || o.optional,
    }));
    const first = cmd.registeredArguments[0]?.name();
    nodes.push({
      path,
      subcommands: visible.map((c) => ({ name: c.name(), description: c.description() })),
      options,
      takesService: first === "service" || cmd.options.some((o) => o.long === "--service"),
    });
    for (const sub of visible) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
  return nodes;
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** The bash completion script: `source <(syn completion bash)`, or save it in bash-completion's folder. */
export function bashCompletion(program: Command): string {
  const nodes = completionTree(program);
  const subs = nodes
    .map((n) => `    ${quote(n.path)}) echo ${quote(n.subcommands.map((s) => s.name).join(" "))} ;;`)
    .join("\n");
  const words = nodes
    .map((n) => `    ${quote(n.path)}) echo ${quote(n.options.flatMap((o) => o.flags).join(" "))} ;;`)
    .join("\n");
  const valueOptions = [
    ...new Set(nodes.flatMap((n) => n.options.filter((o) => o.takesValue).flatMap((o) => o.flags))),
  ];
  const services = nodes.filter((n) => n.takesService).map((n) => quote(n.path));
  return `# bash completion for syn (Syntra's CLI). Load it with: source <(syn completion bash)
_syn_subcommands() {
  case "$1" in
${subs}
  esac
}
_syn_options() {
  case "$1" in
${words}
  esac
}
_syn() {
  local cur prev path word i subs
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  local skip=0 args=0
  for ((i=1; i<COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case " ${valueOptions.join(" ")} " in *" $word "*) skip=1; continue ;; esac
    case "$word" in --) return 0 ;; -*) continue ;; esac
    subs=" $(_syn_subcommands "$path") "
    if [ "$args" = 0 ] && [[ "$subs" == *" $word "* ]]; then
      path="\${path:+$path }$word"
    else
      args=$((args+1))
    fi
  done
  if [ "$prev" = "--service" ] || [ "$prev" = "-s" ]; then
    COMPREPLY=( $(compgen -W "$(syn __complete services 2>/dev/null)" -- "$cur") )
    return 0
  fi
  case " ${valueOptions.join(" ")} " in *" $prev "*) COMPREPLY=(); return 0 ;; esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$(_syn_options "$path") $(_syn_options "")" -- "$cur") )
    return 0
  fi
  local candidates="$(_syn_subcommands "$path")"
  if [ -z "$candidates" ] && [ "$args" = 0 ]; then
    case "$path" in ${services.length > 0 ? services.join("|") : "''"}) candidates="$(syn __complete services 2>/dev/null)" ;; esac
  fi
  COMPREPLY=( $(compgen -W "$candidates" -- "$cur") )
}
complete -F _syn syn
`;
}

/** The zsh completion script: zsh's bash compatibility runs the bash one. */
export function zshCompletion(program: Command): string {
  return `#compdef syn
# zsh completion for syn (Syntra's CLI). Load it with: source <(syn completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

/** The fish completion script: `syn completion fish > ~/.config/fish/completions/syn.fish`. */
export function fishCompletion(program: Command): string {
  const nodes = completionTree(program);
  const lines = ["# fish completion for syn (Syntra's CLI)", "complete -c syn -f"];
  for (const node of nodes) {
    const words = node.path === "" ? [] : node.path.split(" ");
    // Inside `env`, not yet inside `env set`: the words so far are exactly this node's path.
    const here =
      words.length === 0
        ? "__fish_use_subcommand"
        : `__fish_seen_subcommand_from ${words[words.length - 1]}; and not __fish_seen_subcommand_from ${node.subcommands.map((s) => s.name).join(" ") || "__none__"}`;
    for (const sub of node.subcommands) {
      lines.push(`complete -c syn -n ${quote(here)} -a ${quote(sub.name)} -d ${quote(sub.description)}`);
    }
    for (const option of node.options) {
      const long = option.flags.find((f) => f.startsWith("--"))?.slice(2);
      const short = option.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
      const parts = [`complete -c syn -n ${quote(words.length === 0 ? "true" : here)}`];
      if (long) parts.push(`-l ${long}`);
      if (short) parts.push(`-s ${short}`);
      if (option.takesValue) parts.push("-r");
      parts.push(`-d ${quote(option.description)}`);
      lines.push(parts.join(" "));
    }
    if (node.takesService && node.subcommands.length === 0 && words.length > 0) {
      lines.push(`complete -c syn -n ${quote(here)} -a '(syn __complete services 2>/dev/null)'`);
    }
  }
  return `${lines.join("\n")}\n`;
}
