/**
 * Which variables a template reads, found by walking its handlebars AST:
 * paths in mustaches, in helpers' arguments and hash values, inside blocks
 * (`#with` and `#each` change the context; block params name it), `../`
 * and `@root`. The loader compares them with what a notification provides,
 * so a definition cannot name a template that would fail when rendered. Pure.
 */
/// <reference types="handlebars" />
type Program = hbs.AST.Program;
type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;
type Call = { path: Node; params: Node[]; hash?: hbs.AST.Hash };
type Block = hbs.AST.BlockStatement;

/** One level of context: where `this` points (null when it cannot be known) and the block params in force. */
interface Frame {
  prefix: string[] | null;
  params: Map<string, string[] | null>;
}

/** Block helpers that keep the context (their body reads the same variables as outside). */
const SAME_CONTEXT = new Set(['if', 'unless']);
/** Handlebars' own helpers, allowed besides ours. */
export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const;

/** A template feature we refuse: partials and decorators would let a template pull in text the loader never saw. */
export class TemplateSyntaxError extends Error {}

/**
 * Returns the dotted paths `program` reads (`case.id`, `deadline.dueAt`,
 * `data.items.0.name` for an `#each` over `data.items`), sorted. `helpers`
 * are names that are calls, not variables. Throws {@link TemplateSyntaxError}
 * for partials and decorators.
 */
export function templateVariables(program: Program, helpers: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const stack: Frame[] = [{ prefix: [], params: new Map() }];

  const resolve = (p: Path): string[] | null => {
    if (p.data) return p.parts[0] === 'root' ? p.parts.slice(1) : null; // @index, @key, @first…: not variables
    for (let i = stack.length - 1; i >= 0; i--) {
      const bound = stack[i]!.params.get(p.parts[0] ?? '');
      if (bound !== undefined && p.depth === 0) return bound === null ? null : [...bound, ...p.parts.slice(1)];
    }
    const frame = stack[Math.max(0, stack.length - 1 - p.depth)]!;
    return frame.prefix === null ? null : [...frame.prefix, ...p.parts];
  };
  const note = (p: Path): void => {
    const path = resolve(p);
    if (path && path.length > 0) found.add(path.join('.'));
  };
  const expr = (n: Node): void => {
    if (n.type === 'PathExpression') note(n as Path);
    else if (n.type === 'SubExpression') call(n as unknown as Call);
  };
  const call = (c: Call): void => {
    const name = c.path.type === 'PathExpression' ? (c.path as Path).original : undefined;
    const isHelper = name !== undefined && helpers.has(name);
    if (!isHelper) expr(c.path);
    c.params.forEach(expr);
    c.hash?.pairs.forEach((pair) => expr(pair.value));
  };
  const within = (frame: Frame, body: Program | undefined): void => {
    if (!body) return;
    stack.push(frame);
    statements(body);
    stack.pop();
  };
  const block = (b: Block): void => {
    call(b);
    const name = (b.path as Path).original;
    const top = stack[stack.length - 1]!;
    const first = b.params[0];
    const target = first?.type === 'PathExpression' ? resolve(first as Path) : null;
    const blockParams = (b.program as Program | undefined)?.blockParams ?? [];
    if (SAME_CONTEXT.has(name)) {
      statements(b.program);
    } else if (name === 'with') {
      within({ prefix: target, params: new Map(blockParams.slice(0, 1).map((bp) => [bp, target])) }, b.program);
    } else if (name === 'each') {
      const item = target === null ? null : [...target, '0'];
      within({ prefix: item, params: new Map(blockParams.map((bp, i) => [bp, i === 0 ? item : null])) }, b.program);
    } else {
      within({ prefix: null, params: new Map(blockParams.map((bp) => [bp, null])) }, b.program);
    }
    // `{{else}}` runs in the surrounding context.
    if (b.inverse) {
      stack.push(top);
      statements(b.inverse);
      stack.pop();
    }
  };
  const statements = (p: Program | undefined): void => {
    for (const s of (p?.body ?? []) as Node[]) {
      switch (s.type) {
        case 'MustacheStatement':
          call(s as hbs.AST.MustacheStatement);
          break;
        case 'BlockStatement':
          block(s as Block);
          break;
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        default:
          throw new TemplateSyntaxError(`${s.type.replace('Statement', '').toLowerCase()} is not allowed in notification templates`);
      }
    }
  };
  statements(program);
  return [...found].sort();
}
