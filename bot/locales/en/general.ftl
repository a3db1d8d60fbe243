## general
menu =
    👤 <b>{ $name }</b> · balance <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }
    What would you like to do?
cancelled = Cancelled.
cancelled_unregistered = Cancelled. Send /start whenever you like.
nothing_to_cancel = There is nothing to cancel.
unknown_input = I didn't get that. Use the menu below or /help.
button_expired = This button is out of date. Use the menu or /start.
not_found = Not found.
throttled = ⏳ Too many requests: please slow down a little.
blocked = ⛔ Your account is disabled. If you think this is a mistake, contact support.
error = 😔 Something went wrong on our side. Your credits are safe. Error id: <code>{ $id }</code>
error_alert = 😔 Something went wrong on our side. Your credits are safe. Error id: { $id }
choose_language = Choose your language:
date_utc = { $date } UTC
language_set = ✅ Language: English
help =
    <b>What this bot does</b>
    It runs machine-learning models on the values you send and tells you the result: the most likely answer (with the probability of each), or a number. Each prediction costs credits; a failed one is refunded automatically.

    <b>Models and costs</b> (credits per prediction)
    { $costs }

    <b>How to use it</b>
    • /predict: pick a model, enter its inputs one by one (or paste all at once: <code>5.1, 3.5, 1.4, 0.2</code> or <code>name=value</code> pairs), confirm, get the result.
    • A CSV file with a header of input names predicts many rows at once, charged per valid row.
    • /balance, /history, /topup, /terms, /paysupport, /language, /login, /cancel.

    New accounts get { $credits } { $credits ->
            [one] free credit
           *[other] free credits
        }.
