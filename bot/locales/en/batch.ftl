## batch
batch_prompt =
    📄 <b>{ $title }</b>: send a CSV file like this template: a header row of input names, then one row per prediction. Every valid row costs { $cost } { $cost ->
            [one] credit
           *[other] credits
        }; invalid rows are listed and not charged.
    At most { $max_rows } { $max_rows ->
            [one] row
           *[other] rows
        } and { $max_kb } KB.
batch_confirm =
    📄 <b>{ $title }</b>
    Valid rows: <b>{ $valid }</b> · invalid (not charged): { $bad }
    💳 { $valid } × { $cost } = <b>{ $total }</b> { $total ->
            [one] credit
           *[other] credits
        }
    Balance: { $balance } → <b>{ $after }</b>
batch_insufficient =
    📄 <b>{ $title }</b>
    Valid rows: <b>{ $valid }</b> · invalid: { $bad }
    ⚠️ Not enough credits: { $valid } × { $cost } = <b>{ $total }</b>, your balance is <b>{ $balance }</b>. Top up, or send a file with fewer rows.
batch_bad_row = Row { $row }: { $reason }
batch_more_bad =
    … and { $count } { $count ->
            [one] more invalid row
           *[other] more invalid rows
        } (all are in the results file).
batch_no_valid =
    ⚠️ No valid rows in this file, nothing was charged.
    { $bad }
batch_running =
    ⏳ <b>{ $title }</b>: predicting { $count } { $count ->
            [one] row
           *[other] rows
        }…
batch_progress = ⏳ <b>{ $title }</b>: predicting… { $done } of { $total }
batch_finished = ✅ <b>{ $title }</b>: { $total } of { $total } done. The results file is below.
batch_item = CSV batch: { $title }, { $rows } { $rows ->
        [one] row
       *[other] rows
    }, { $charged } { $charged ->
        [one] credit
       *[other] credits
    } ({ $done } done, { $refunded } refunded)
batch_item_pending = , { $count } still running
# the results file of a batch (plain text, not HTML)
csv_status = status
csv_prediction = prediction
csv_probability = p_{ $label }
csv_error = error
csv_completed = completed
csv_failed = failed
csv_invalid = invalid
csv_pending = running
csv_failed_reason = { $reason } The credits for this row were refunded.
batch_done =
    ✅ Done: { $completed } predicted, { $failed } failed (refunded), { $bad } invalid. Charged { $charged } { $charged ->
            [one] credit
           *[other] credits
        } · balance { $balance }.
err_batch_not_csv = ⚠️ Please send a <b>.csv</b> file.
err_batch_too_big = ⚠️ The file is too big: { $max_kb } KB at most.
err_batch_download = ⚠️ I couldn't read the file. Please send it again.
err_batch_need_file = 📄 Please send a CSV file (or tap Cancel).
err_batch_encoding = ⚠️ The file must be UTF-8 text.
err_batch_empty = ⚠️ The file is empty.
err_batch_malformed = ⚠️ I can't read this file as CSV: please check its quotes and separators.
err_batch_missing_columns = ⚠️ Missing columns: { $missing }. The first row must name the inputs.
err_batch_no_rows = ⚠️ The file has a header but no rows.
err_batch_too_many_rows = ⚠️ Too many rows: { $rows }, at most { $max }. Split the file.
