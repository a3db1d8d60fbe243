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
