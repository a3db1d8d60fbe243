## charts with results, "Why?" explanations, the /stats chart (issue 17)

## /settings
settings_pictures = 📊 Charts with results: <b>{ $on }</b>
    A chart comes with each result, with the result itself in its caption.
settings_pictures_on = on
settings_pictures_off = off
btn_pictures_off = 📊 Turn charts off
btn_pictures_on = 📊 Turn charts on
pictures_turned_on = 📊 Charts on
pictures_turned_off = 📊 Charts off

## the /stats chart
adm_chart_title = Stats · { $period }
adm_chart_caption = 📊 <b>Stats</b> · { $period } (the figures are in the next message)
adm_chart_predictions = Predictions per day, by model
adm_chart_credits = Credits per day
adm_chart_stars = Stars revenue per day
adm_chart_users = New users per day
adm_chart_spent = spent
adm_chart_refunded = refunded
adm_chart_revenue = Stars
adm_chart_new_users = new users
adm_chart_other = other models

## a result's chart
chart_probability = Probability
chart_typical_error = typical error ±{ $error }

## "Why?"
btn_why = 🔍 Why?
why_chart_title = Why: { $title }
why_up_class = raises the chance of { $label }
why_down_class = lowers it
why_up_value = raises the value
why_down_value = lowers it
why_axis_probability = contribution to the probability
why_axis_margin = contribution to the model's score (log-odds)
why_axis_value = contribution to the predicted value
why_reason_high = { $feature } is high ({ $value })
why_reason_low = { $feature } is low ({ $value })
why_reason_typical = { $feature } is { $value }
why_reason_category = { $feature } is { $category }
why_because_one = Mostly because { $first }.
why_because_two = Mostly because { $first } and { $second }.
why_no_main_reason = No single input stands out: many small effects add up.
why_caption =
    🔍 <b>Why: { $title }</b> (prediction #{ $id })
    { $sentence }
    Free of charge.
why_unsupported = 🔍 I can't explain this model's answers: its type has no exact way to show what each input contributed, and I'd rather not guess. The result itself is not affected.
why_not_found = This result is not yours, or it no longer exists.
why_not_completed = This run has no result to explain.
why_model_changed = The model that gave this result has changed since, so I can't explain it any more.
result_chart_caption = 📊 { $title } (the result is in the next message)
