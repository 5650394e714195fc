// Kept as the import path the rules and the server use; the functions live in format.ts.
export { formatBytes, formatCount } from "./format";
