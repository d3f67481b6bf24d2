"""The journeys: each module is one thing that happens to a lead, composed from the apps' services in order, in
one transaction, with side effects (texts, emails, alerts) going out when it commits. Read a module top to bottom
to know what happens; docs/architecture.md lists them. Flows sit above the domain apps and below delivery (views,
API, intake adapters, commands), which call them."""
