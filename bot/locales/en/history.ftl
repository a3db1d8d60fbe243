## history
history =
    📜 <b>Your predictions</b> (page { $page }/{ $pages })

    { $items }
history_line = { $icon } #{ $id } · { $title } · { $result } · { $date }
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
