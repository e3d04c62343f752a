"""Authentication and authorization for ``specgen serve`` and ``specgen token-server``.

- ``htpasswd``: users from an Apache htpasswd file (bcrypt only, as distribution).
- ``scopes``: the resource scope grammar of distribution's ``docs/spec/auth/scope.md``.
- ``rules``: who may do what: repository patterns and users/groups → ``pull``/``push``/``delete``,
  ``*`` on ``registry:catalog``.
- ``keys``: signing keys, root certificate bundles and JWKS; libtrust key ids.
- ``tokens``: minting and verifying the JWTs of ``docs/spec/auth/jwt.md`` exactly as distribution's
  ``registry/auth/token`` access controller does.
- ``access``: what each registry request needs (distribution's ``appendAccessRecords``).
- ``controller``: the ASGI access controller in front of the registry app (challenges, 401, 403).
- ``issuer``: the token service (``docs/spec/auth/token.md`` and ``oauth.md``).
- ``settings``: the command-line flags and the environment of worker processes.
"""
