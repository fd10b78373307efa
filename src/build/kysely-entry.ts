// The bundle's Kysely, as a file of its own: custom seeders' `import … from 'kysely'` resolve here
// (see bundle-entries.ts), so they share the one copy the tool's Seeder runs on.
export * from 'kysely';
