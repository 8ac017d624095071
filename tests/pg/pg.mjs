// pg — shared by the PostgreSQL tests: a fresh database on the test cluster.
import { execFileSync } from 'node:child_process';

const PG = process.env.LIS_PG_URL;

// Drop and create database `name` on LIS_PG_URL's server; returns its URL.
export function pgDatabase(name) {
  const admin = new URL(PG);
  admin.pathname = '/postgres';
  for (const sql of [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]) {
    execFileSync('psql', [admin.href, '-qAtX', '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const u = new URL(PG);
  u.pathname = `/${name}`;
  return u.href;
}
