// Copies the non-TypeScript assets that sit beside the code that loads them (SQL migrations, Lua
// scripts) from src/ to dist/, so the compiled CLI finds them at the same relative paths as tsx does.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';

const ASSETS = new Set(['.sql', '.lua']);
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSETS.has(extname(name))) {
      const target = join('dist', path.slice('src/'.length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
walk('src');
