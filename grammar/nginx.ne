# The grammar of record for nginx configuration files.
#
# Its terminals are the coarse tokens of server/src/parse/scanner.ts (`scanTree`): one per block head (`open`:
# the words up to `{`), per `}` (`close`), and one per run of consecutive statements (the words up to `;` or a
# Lua body) and standalone comments between them (`run`: already the tree's Directives and Comments, nothing
# left to build). A block closed by `}` with no block inside it is read whole by the scanner, as a Lua body is,
# and is a node of a run: `open`/`close` are the blocks that hold blocks, which this grammar nests (nearley's
# work is per terminal: large-config's 7,547 terminals became 16). The scanner guarantees a balanced stream, so this grammar accepts every input; syntax errors
# are reported by the scanner with exact positions.
#
# Postprocessors append in place (`items -> items …`): nearley's EBNF `:*` concatenates, which is quadratic
# in long blocks (../shared/docs/performance.md). The kinds of item are alternatives of `items` itself, not of
# a separate `item` rule, and statements and comments are one terminal: per token nearley then makes 4 states
# instead of 7 and predicts nothing; and a whole run of them is one token.
# Postprocessors index `d` rather than destructure it: array destructuring is slow until V8 optimises the
# function, and a CLI process is mostly that.

@preprocessor typescript

@{%
import { TokenArrayLexer, appendRun, blockStatement, terminals } from "../build";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lexer: any = new TokenArrayLexer();
// The terminals, as nearley test symbols: lexer.has() is false, so `%run` means the variable `run`
// (nearleyc declares these as `var …: any`).
var run: any = terminals.run;
var open: any = terminals.open;
var close: any = terminals.close;
%}

@lexer lexer

file  -> items                          {% id %}

items -> null                           {% () => [] %}
       | items %run                     {% (d) => appendRun(d[0], d[1]) %}
       | items %open items %close       {% (d) => { d[0].push(blockStatement(d[1], d[2], d[3])); return d[0]; } %}
