; Signs of a service-worker or CommonJS entry.
;   addEventListener("fetch", …)
(call_expression
  function: (identifier) @call.name
  (#eq? @call.name "addEventListener"))

;   module.exports = …   exports.Counter = …   module.exports.Counter = …
(assignment_expression
  left: (member_expression
    object: (identifier) @cjs.object
    property: (property_identifier) @cjs.property)
  (#any-of? @cjs.object "module" "exports"))

(assignment_expression
  left: (member_expression
    object: (member_expression
      object: (identifier) @cjs.object
      property: (property_identifier) @cjs.property)
    property: (property_identifier) @cjs.name)
  (#eq? @cjs.object "module")
  (#eq? @cjs.property "exports"))
