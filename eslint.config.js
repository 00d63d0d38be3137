// Lint runs as part of `npm test`; typed rules come from typescript-eslint.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "bench-results/", "coverage/", "dist/", "test-results/", "drill-results/", "hub-data/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The layering: edge and gateway share only the contract (protocol/) and domain-free helpers
  // (lib/); what runs both sides lives in simulation/.
  ...[
    { files: ["edge/**/*.ts"], forbidden: ["gateway", "simulation"] },
    { files: ["gateway/**/*.ts"], forbidden: ["edge", "simulation"] },
    { files: ["protocol/**/*.ts", "lib/**/*.ts"], forbidden: ["edge", "gateway", "simulation"] },
  ].map(({ files, forbidden }) => ({
    files,
    rules: {
      "no-restricted-imports": ["error", { patterns: forbidden.map((side) => ({ regex: `^(\\.\\./)+${side}/`, message: `${files[0].split("/")[0]}/ does not import ${side}/: share it through protocol/ or lib/` })) }],
    },
  })),
);
