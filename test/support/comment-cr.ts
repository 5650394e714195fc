// One configuration for the tests that the analysis skips what nginx skips: a `modsecurity_rules_file` in a
// server, commented out by a `#` comment whose line ends with a lone CR. Editors show the directive on a
// line of its own; nginx (a comment ends only at LF) never reads it. Written the other way — the CR made a
// real line break — the same text is a configuration with a finding (rules-loaded-twice) and its fix.

export const RULES_FILE = "/etc/nginx/modsec/main.conf";
export const RULES_TEXT = 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n';

/** The configuration; the hidden directive is on editor line HIDDEN_LINE (0-based) from column 8. */
export const HIDDEN = [
  "events {}",
  "http {",
  "    modsecurity on;",
  `    modsecurity_rules_file ${RULES_FILE};`,
  "    server {",
  "        listen 80;",
  `        # moved to http:\r        modsecurity_rules_file ${RULES_FILE};`,
  "    }",
  "}",
  "",
].join("\n");

export const HIDDEN_LINE = 7;
export const HIDDEN_COLUMN = 8;

/** The same text with the lone CR as a real line break: the directive is live. */
export const VISIBLE = HIDDEN.replace("\r", "\n");
