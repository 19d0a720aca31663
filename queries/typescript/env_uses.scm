; A Durable Object namespace reached through the Worker's env:
;   env.COUNTER.idFromName("a")
;   this.env.COUNTER.getByName("a")
;   c.env.COUNTER.newUniqueId()          (Hono and friends)
; The method list is filtered in code (syntax/typescript.rs).
(call_expression
  function: (member_expression
    object: (member_expression
      object: (identifier) @env.object
      property: (property_identifier) @env.binding)
    property: (property_identifier) @env.method)
  (#eq? @env.object "env"))

; The same shape reaches the Worker's own classes through the loopback
; `exports` of a context: ctx.exports.Room.getByName("a"),
; this.ctx.exports.Room.idFromName("a") (the context is checked in code).
(call_expression
  function: (member_expression
    object: (member_expression
      object: (member_expression
        property: (property_identifier) @env.object)
      property: (property_identifier) @env.binding)
    property: (property_identifier) @env.method)
  (#any-of? @env.object "env" "exports"))

; A method called on a stub got in one expression (RPC when not `fetch`):
;   env.COUNTER.getByName("a").increment()
;   this.env.COUNTER.get(id).increment()
(call_expression
  function: (member_expression
    object: (call_expression
      function: (member_expression
        object: (member_expression
          object: (identifier) @stub.env
          property: (property_identifier) @stub.binding)
        property: (property_identifier) @stub.getter))
    property: (property_identifier) @stub.method)
  (#eq? @stub.env "env")
  (#any-of? @stub.getter "get" "getByName"))

(call_expression
  function: (member_expression
    object: (call_expression
      function: (member_expression
        object: (member_expression
          object: (member_expression
            property: (property_identifier) @stub.env)
          property: (property_identifier) @stub.binding)
        property: (property_identifier) @stub.getter))
    property: (property_identifier) @stub.method)
  (#eq? @stub.env "env")
  (#any-of? @stub.getter "get" "getByName"))

; A namespace passed to one of the ecosystem's helpers as its first argument:
;   getContainer(env.MY_CONTAINER, "a")      getAgentByName(this.env.Chat, "x")
; The helper must be imported from its package (syntax/typescript.rs).
(call_expression
  function: (identifier) @helper.fn
  arguments: (arguments
    .
    (member_expression
      object: (identifier) @helper.env
      property: (property_identifier) @helper.binding))
  (#eq? @helper.env "env"))

(call_expression
  function: (identifier) @helper.fn
  arguments: (arguments
    .
    (member_expression
      object: (member_expression
        property: (property_identifier) @helper.env)
      property: (property_identifier) @helper.binding))
  (#eq? @helper.env "env"))
