## balance and transactions
balance =
    💰 Balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }

    <b>Latest transactions</b>
    { $latest }
no_transactions = No transactions yet.
transactions =
    💳 <b>Transactions</b> (page { $page }/{ $pages })
    { $items }
