-- durable-lsp for Neovim 0.11+ (vim.lsp.config).
--
-- Put this folder on 'runtimepath' (or copy this file to ~/.config/nvim/lsp/),
-- then: vim.lsp.enable('durable_lsp')
return {
  cmd = { 'durable-lsp' },
  filetypes = { 'toml', 'json', 'jsonc', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact' },
  root_markers = { 'wrangler.jsonc', 'wrangler.json', 'wrangler.toml' },
  -- Per-rule levels, as in durable-lsp.toml: off | hint | info | warning | error
  settings = {
    ['durable-lsp'] = {
      rules = {},
    },
  },
}
