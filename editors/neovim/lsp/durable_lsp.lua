-- durable-lsp for Neovim 0.11+ (vim.lsp.config).
--
-- Put this folder on 'runtimepath' (or copy this file to ~/.config/nvim/lsp/),
-- then: vim.lsp.enable('durable_lsp')
local markers = { 'wrangler.jsonc', 'wrangler.json', 'wrangler.toml', 'durable-lsp.toml' }

return {
  cmd = { 'durable-lsp' },
  filetypes = { 'toml', 'json', 'jsonc', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'rust', 'python' },
  -- Only inside a Worker's project: the nearest folder above the file with a wrangler config
  -- (or durable-lsp.toml). A TOML, JSON or TypeScript file anywhere else (a Cargo.toml, a
  -- package.json outside any Worker) starts nothing.
  root_dir = function(bufnr, on_dir)
    local root = vim.fs.root(bufnr, markers)
    if root then on_dir(root) end
  end,
  -- Per-rule levels, as in durable-lsp.toml: off | hint | info | warning | error
  settings = {
    ['durable-lsp'] = {
      rules = {},
    },
  },
}
