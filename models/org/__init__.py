"""The county and who acts in it: configuration (chuishao.toml and its checks), opening the configured
database, the acting Context (operator, clock, calendar), permissions and scope, operators, first
set-up, and lookups over the organisation (pinyin pickers, the township duty list).

May import: errors, text, worktime, store.
"""
