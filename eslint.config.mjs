import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "policies/node_modules/", "coverage/", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Lazy loads of the provider-heavy modules keep the command line fast.
      "@typescript-eslint/no-require-imports": [
        "error",
        { allow: ["/components/program$", "/azure/AzurePlatform$"] },
      ],
    },
  },
);
