// Placeholder: the owner of src/demo replaces this file.
import type { Command } from 'commander';
export function register(_program: Command): void {}
