/**
 * Strings from a push made well-formed (every lone surrogate replaced by U+FFFD) when they are
 * decoded: JSON can spell a lone surrogate (`"x\ud800"`), and "x\ud800" and "x\ufffd" differ in
 * JavaScript but are written identically as UTF-8. Made well-formed once here, every later identity
 * (job, series key, top clients, SLO pairs) sees the string that will be written.
 */
declare global {
  interface String {
    /** ES2024 (Node 20): lone surrogates replaced by U+FFFD. */
    toWellFormed(): string;
  }
}

export const wellFormed = (s: string): string => s.toWellFormed();
