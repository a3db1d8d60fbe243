## history
history =
    📜 <b>Your predictions</b> (page { $page }/{ $pages })

    { $items }
history_line = { $icon } #{ $id } · { $title } · { $result } · { $date }
history_batch_line = 📄 { $batch } · { $date }
history_empty = 📜 No predictions yet. Try /predict!
status_completed = completed
status_failed = failed
status_pending = running
prediction_detail =
    <b>Prediction #{ $id }</b> · { $title }
    Status: { $status } · { $date }
    Cost: { $cost } { $cost ->
            [one] credit
           *[other] credits
        }

    <b>Inputs</b>
    { $inputs }

    { $outcome }
history_failed = ❌ { $reason } The credits were refunded.
# why a prediction failed, in plain words
fail_timeout = The model took too long to answer.
fail_interrupted = The bot restarted while the model was working, so the prediction was not made.
fail_not_stored = The result could not be saved.
fail_output = The model gave an answer that cannot be used.
fail_model = The model could not process these inputs.
# a CSV batch opened from History or Transactions
batch_view =
    📄 { $batch }
    { $date } · rows, page { $page }/{ $pages }:

    { $items }
batch_row_line = { $icon } #{ $id } · { $result }
btn_batch_item = 📄 CSV batch · { $title } · { $date }
