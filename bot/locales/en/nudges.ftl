## reminders the user can turn off (/settings: notifications)
nudge_low_balance =
    🔔 Your balance is { $balance } { $balance ->
            [one] credit
           *[other] credits
        }: enough for { $runs } more { $runs ->
            [one] prediction
           *[other] predictions
        } with { $title }.
    You can turn these reminders off in /settings.
nudge_no_balance =
    🔔 Your balance is { $balance } { $balance ->
            [one] credit
           *[other] credits
        }: not enough for another prediction with { $title }. Top up to go on.
    You can turn these reminders off in /settings.
