// The MM-DiT of SD3: filled in by the foundation work.
