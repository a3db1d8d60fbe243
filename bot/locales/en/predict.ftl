## confirmation and result
confirm =
    <b>{ $title }</b>: please check

    { $inputs }

    💳 Price: <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        }
    Balance: { $balance } → <b>{ $after }</b>
confirm_insufficient =
    <b>{ $title }</b>

    { $inputs }

    ⚠️ Not enough credits: this costs <b>{ $cost }</b>, your balance is <b>{ $balance }</b>. Top up to continue.
confirm_waiting = Please use the buttons above: ✅ Confirm, ✏️ Re-enter or ✖ Cancel.
confirm_expired = This confirmation is out of date. Start again with /predict.
price_changed = ⚠️ The price has changed: it was { $was }, now it is { $now }. Please check and confirm again.
running_short = Running…
running = ⏳ <b>{ $title }</b>: the model is working…
still_running = ⏳ Prediction #{ $id } is still running; the result will appear here.
already_processed = ℹ️ Already done: you were charged once.
already_processed_short = Already done: charged once.
result =
    ✅ <b>{ $title }</b> · prediction #{ $id }

    { $result }

    💳 Charged <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        } · balance <b>{ $balance }</b>
result_label = Prediction: <b>{ $label }</b>
result_value = Prediction: <b>{ $value }</b>
failed_refunded =
    ❌ <b>{ $title }</b> · prediction #{ $id }
    { $reason }

    ↩️ Your credits were returned · balance <b>{ $balance }</b>
failed_model = The model could not process these inputs.
failed_timeout = The model took too long to answer.
failed_interrupted = The bot restarted while the model was working, so the prediction was not made.
failed_reason = Failed, credits returned
recovered_summary =
    ♻️ The bot restarted while some of your predictions were running. They are all settled now.
    Completed: <b>{ $completed }</b> · failed, credits refunded: <b>{ $refunded }</b>
    Balance: <b>{ $balance }</b> cr. The results are in your history.
