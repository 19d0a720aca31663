; Members of an Env type that are typed as Durable Object namespaces:
;   interface Env { COUNTER: DurableObjectNamespace<Counter> }
;   type Env = { COUNTER: DurableObjectNamespace }
; TypeScript only.
(interface_declaration
  name: (type_identifier) @type.name
  body: (interface_body
    (property_signature
      name: (property_identifier) @member.name
      type: (type_annotation
        [(generic_type name: (type_identifier) @member.type)
         (type_identifier) @member.type]))))

(type_alias_declaration
  name: (type_identifier) @type.name
  value: (object_type
    (property_signature
      name: (property_identifier) @member.name
      type: (type_annotation
        [(generic_type name: (type_identifier) @member.type)
         (type_identifier) @member.type]))))
